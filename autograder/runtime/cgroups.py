"""Per-sandbox limits in the kernel: control groups v2, v1, or none, and which one we got.

Resource limits (setrlimit) are per process: three processes of 3 GiB each under an 8 GiB
address-space limit hold 9 GiB, and pages in tmpfs files, SysV shared memory or a memfd belong
to no process at all once unmapped. A control group bounds the whole sandbox instead: every
process in it, and every page charged to it (anonymous memory, tmpfs and shm pages included).
Each sandbox child gets a group of its own, made before it starts, entered by the forked child
itself before it execs (so bwrap and everything it spawns are inside), and removed, after
killing whatever is left in it, when the child ends.

Where the groups live:

* v2 (one unified hierarchy, /sys/fs/cgroup/cgroup.controllers lists controllers): under the
  grader's own group, `<own>/course-grader/<grader pid>-<n>`. A v2 group that holds processes
  cannot hand memory/pids/cpu down to children ("no internal processes"), so when the grader's
  own group holds processes they are first moved into a leaf, `<own>/course-grader-host`, as
  docker-in-docker and nsjail do with a delegated group.
* v1 (one hierarchy per controller): `<hierarchy>/<own path>/course-grader/<grader pid>-<n>` in
  the memory, pids and cpu hierarchies, or at the hierarchy's root where the grader's own
  group is not writable. Nested under the grader's own group, the grader's own limits still
  apply on top.
* none: not root and nothing delegated, a read-only cgroupfs, or COURSE_CGROUPS=none. The
  parent's watchdog over the process tree's memory stands in (autograder/runtime/sandbox.py), and a
  loud warning says so once.

$COURSE_CGROUPS picks: "auto" (default: v2, else v1, else none), "v2", "v1" (an error when
that one cannot be used) or "none". Everything here is trusted code running in the parent,
except Group.enter, which runs in the forked child before it execs.
"""

from __future__ import annotations

import errno
import itertools
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

ENV = "COURSE_CGROUPS"  # auto | v2 | v1 | none
PARENT = "course-grader"  # the folder holding every sandbox group of every grader on the machine
HOST_LEAF = "course-grader-host"  # v2 only: where the grader's own processes go, see above
CONTROLLERS = ("memory", "pids", "cpu")  # memory is required; the others are used when present
CPU_PERIOD_US = 100_000
MOUNTINFO = Path("/proc/self/mountinfo")
SELF_CGROUP = Path("/proc/self/cgroup")


class CgroupError(RuntimeError):
    """A control group could not be made, written or removed."""


@dataclass(frozen=True)
class Support:
    """What this machine gives the grader: the version, and where each controller's sandbox groups go."""

    version: str  # "v2", "v1" or "none"
    bases: dict[str, Path] = field(default_factory=dict)  # controller -> folder holding sandbox groups
    why: str = ""  # for "none": why not

    @property
    def controllers(self) -> tuple[str, ...]:
        return tuple(c for c in CONTROLLERS if c in self.bases)

    def describe(self) -> str:
        if self.version == "none":
            return f"no control groups ({self.why})"
        where = sorted({str(p) for p in self.bases.values()})
        return f"cgroup {self.version}: {', '.join(self.controllers)} in {', '.join(where)}"


# ---------------------------------------------------------------------------------- finding
def _unescape(path: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \040 and so on.
    out, i = [], 0
    while i < len(path):
        if path[i] == "\\" and i + 3 < len(path) and path[i + 1:i + 4].isdigit():
            out.append(chr(int(path[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(path[i])
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class Mount:
    fstype: str  # "cgroup" (v1) or "cgroup2"
    root: str  # the hierarchy's folder mounted there ("/" unless bind-mounted from inside)
    point: Path
    controllers: frozenset[str]  # v1: the controllers of this hierarchy


def mounts(mountinfo: str) -> list[Mount]:
    found = []
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        options = set(tail[2].split(","))
        found.append(Mount(tail[0], _unescape(fields[3]), Path(_unescape(fields[4])),
                           frozenset(options & set(CONTROLLERS))))
    return found


def own_groups(self_cgroup: str) -> dict[str, str]:
    """Controller (v1) or "" (v2) -> this process's group path, from /proc/self/cgroup."""
    groups: dict[str, str] = {}
    for line in self_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, names, path = parts
        if names == "":
            groups[""] = path
        for name in names.split(","):
            if name in CONTROLLERS:
                groups[name] = path
    return groups


def _inside(mount: Mount, own: str | None) -> list[Path]:
    """Folders to try for our groups in this mount: below our own group first, then the mount's top."""
    tries = []
    if own is not None:
        root = mount.root.rstrip("/")
        if own == mount.root or own.startswith(root + "/"):
            rel = own[len(root):].strip("/")
            tries.append(mount.point / rel if rel else mount.point)
    if mount.point not in tries:
        tries.append(mount.point)
    return tries


def _read(path: Path) -> str:
    return path.read_text()


def _write(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _grader_pid(name: str) -> int | None:
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _sweep(base: Path) -> None:
    """Remove empty groups left by graders that were killed before they could clean up (older than
    a minute: a grader in another PID namespace may have just made one it is about to enter)."""
    try:
        entries = list(base.iterdir())
    except OSError:
        return
    for entry in entries:
        pid = _grader_pid(entry.name)
        try:
            if (not entry.is_dir() or pid is None or Path(f"/proc/{pid}").exists()
                    or time.time() - entry.stat().st_mtime < 60):
                continue
            entry.rmdir()  # refused (EBUSY) while anything still runs in it
        except OSError:
            pass


def _v1(mountinfo: str, self_cgroup: str) -> Support:
    own = own_groups(self_cgroup)
    bases: dict[str, Path] = {}
    problems = []
    for controller in CONTROLLERS:
        hierarchy = next((m for m in mounts(mountinfo) if m.fstype == "cgroup" and controller in m.controllers), None)
        if hierarchy is None:
            problems.append(f"no v1 {controller} hierarchy is mounted")
            continue
        for folder in _inside(hierarchy, own.get(controller)):
            base = folder / PARENT
            try:
                base.mkdir(exist_ok=True)
            except OSError as exc:
                problems.append(f"cannot make {base}: {exc.strerror or exc}")
                continue
            bases[controller] = base
            break
    if "memory" not in bases:
        return Support("none", why="; ".join(problems) or "no v1 memory controller")
    return Support("v1", bases)


def _v2_mount(mountinfo: str) -> Mount | None:
    for m in mounts(mountinfo):
        if m.fstype == "cgroup2":
            return m
    return None


def _enable(folder: Path, wanted: list[str]) -> list[str]:
    """Hand these controllers down to the folder's children; those it took (memory, or an error)."""
    took = []
    for c in wanted:
        try:
            _write(folder / "cgroup.subtree_control", f"+{c}")
            took.append(c)
        except OSError:
            if c == "memory":
                raise
            log.info("cgroup v2: %s refused the %s controller; sandboxes go without it", folder, c)
    return took


def _v2(mountinfo: str, self_cgroup: str) -> Support:
    mount = _v2_mount(mountinfo)
    if mount is None:
        return Support("none", why="no cgroup2 file system is mounted")
    own = own_groups(self_cgroup).get("")
    tries = _inside(mount, own)
    problems = []
    for folder in tries:
        try:
            available = _read(folder / "cgroup.controllers").split()
        except OSError as exc:
            problems.append(f"cannot read {folder / 'cgroup.controllers'}: {exc.strerror or exc}")
            continue
        wanted = [c for c in CONTROLLERS if c in available]
        if "memory" not in wanted:
            problems.append(f"the memory controller is not available in {folder} (a v1/v2 hybrid, or not delegated)")
            continue
        try:
            try:
                wanted = _enable(folder, wanted)
            except OSError as exc:
                if exc.errno != errno.EBUSY:
                    raise
                # Processes in this group: move them into a leaf, then hand the controllers down.
                _move_all(folder, folder / HOST_LEAF)
                wanted = _enable(folder, wanted)
            base = folder / PARENT
            base.mkdir(exist_ok=True)
            wanted = _enable(base, wanted)
        except OSError as exc:
            problems.append(f"cannot set up {folder / PARENT}: {exc.strerror or exc}")
            continue
        return Support("v2", {c: base for c in wanted})
    return Support("none", why="; ".join(problems))


def _move_all(folder: Path, leaf: Path) -> None:
    leaf.mkdir(exist_ok=True)
    for _ in range(5):  # processes may fork meanwhile
        pids = _read(folder / "cgroup.procs").split()
        if not pids:
            return
        for pid in pids:
            try:
                _write(leaf / "cgroup.procs", pid)
            except OSError as exc:
                if exc.errno != errno.ESRCH:  # gone meanwhile: fine
                    raise
    log.info("moved the processes of %s into %s to hand controllers down to sandbox groups", folder, leaf)


def _probe(support: Support) -> str:
    """Make a group, limit it, move a short-lived process into it, remove it: '' or what failed."""
    try:
        group = Group.create(support, memory_bytes=256 * 1024**2, processes=16, cpus=1.0, name=f"{os.getpid()}-probe")
    except CgroupError as exc:
        return str(exc)
    try:
        exe = shutil.which("true") or "/bin/true"
        proc = subprocess.run([exe], preexec_fn=group.enter, capture_output=True, timeout=20)
        if proc.returncode != 0:
            return f"a process in the group failed (status {proc.returncode})"
    except (OSError, subprocess.SubprocessError) as exc:
        return f"a process could not enter the group: {exc}"
    finally:
        group.remove()
    return ""


@lru_cache(maxsize=None)
def support() -> Support:
    """What this machine gives (decided once per process): v2, else v1, else none, or $COURSE_CGROUPS."""
    wanted = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if wanted not in ("auto", "v1", "v2", "none"):
        raise CgroupError(f"{ENV}={wanted!r}: expected auto, v2, v1 or none")
    if wanted == "none":
        got = Support("none", why=f"{ENV}=none")
    else:
        got = detect(wanted)
        if got.version == "none" and wanted != "auto":
            raise CgroupError(f"{ENV}={wanted} but control groups {wanted} cannot be used here: {got.why}")
    if got.version == "none":
        _warn_once(got.why)
    else:
        log.info("sandbox limits: %s", got.describe())
    return got


def detect(wanted: str = "auto") -> Support:
    try:
        mountinfo, self_cgroup = _read(MOUNTINFO), _read(SELF_CGROUP)
    except OSError as exc:
        return Support("none", why=f"cannot read {exc.filename}: {exc.strerror}")
    reasons = []
    for version, finder in (("v2", _v2), ("v1", _v1)):
        if wanted not in ("auto", version):
            continue
        found = finder(mountinfo, self_cgroup)
        if found.version == "none":
            reasons.append(f"{version}: {found.why}")
            continue
        for base in set(found.bases.values()):
            _sweep(base)
        failed = _probe(found)
        if failed:
            reasons.append(f"{version}: {failed}")
            continue
        return found
    return Support("none", why="; ".join(reasons))


@lru_cache(maxsize=None)
def _warn_once(why: str) -> None:
    message = (
        f"WARNING: control groups unavailable ({why}). Each sandbox's memory is bounded only by the grader's "
        "watchdog over its processes' resident memory and its private /tmp, polled 5 times a second (a fast "
        "allocation can overshoot between polls; SysV shared memory and memfds no process maps are not seen); "
        "processes only by RLIMIT_NPROC, CPU only by CPU time. Run the grader as root, or give it a delegated "
        "cgroup v2 subtree, for limits the kernel enforces."
    )
    log.warning(message)
    print(message, file=sys.stderr)


# ------------------------------------------------------------------------------------ groups
_counter = itertools.count()


class Group:
    """One sandbox's control group (one folder per hierarchy on v1, one folder on v2)."""

    def __init__(self, support: Support, name: str) -> None:
        self.support = support
        self.name = name
        self.dirs = {c: base / name for c, base in support.bases.items()}
        # Opened by enter() in the forked child: plain bytes, computed here, nothing to allocate there.
        self._procs = [str(d / "cgroup.procs").encode() for d in dict.fromkeys(self.dirs.values())]
        self._peak_seen = 0
        self.final: dict[str, int | None] | None = None  # what was measured when the group was removed

    # -- making ------------------------------------------------------------------------
    @classmethod
    def create(cls, support: Support, memory_bytes: int | None, processes: int, cpus: float,
               name: str | None = None) -> "Group":
        group = cls(support, name or f"{os.getpid()}-{next(_counter)}")
        made = []
        try:
            for d in dict.fromkeys(group.dirs.values()):
                d.mkdir()
                made.append(d)
            group._limit(memory_bytes, processes, cpus)
        except OSError as exc:
            for d in reversed(made):
                try:
                    d.rmdir()
                except OSError:
                    pass
            raise CgroupError(f"cannot make the sandbox's control group {made[-1] if made else group.name}: "
                              f"{exc.strerror or exc} ({getattr(exc, 'filename', '') or ''})") from None
        return group

    def _limit(self, memory_bytes: int | None, processes: int, cpus: float) -> None:
        quota = max(int(cpus * CPU_PERIOD_US), 1000)
        memory = str(memory_bytes) if memory_bytes else None  # None: accounted, not limited
        if self.support.version == "v2":
            d = self.dirs["memory"]
            if memory:
                _write(d / "memory.max", memory)
            if (d / "memory.swap.max").exists():  # swap is no way around the limit
                _write(d / "memory.swap.max", "0")
            if (d / "memory.oom.group").exists():  # one process over the limit ends the whole sandbox
                _write(d / "memory.oom.group", "1")
            if "pids" in self.dirs:
                _write(self.dirs["pids"] / "pids.max", str(processes))
            if "cpu" in self.dirs:
                _write(self.dirs["cpu"] / "cpu.max", f"{quota} {CPU_PERIOD_US}")
            return
        d = self.dirs["memory"]
        if memory:
            _write(d / "memory.limit_in_bytes", memory)
        if memory and (d / "memory.memsw.limit_in_bytes").exists():  # memory + swap: swap is no way around it
            _write(d / "memory.memsw.limit_in_bytes", memory)
        if (d / "memory.swappiness").exists():
            try:
                _write(d / "memory.swappiness", "0")
            except OSError:
                pass  # refused below the root on some kernels; memsw holds anyway
        if "pids" in self.dirs:
            _write(self.dirs["pids"] / "pids.max", str(processes))
        if "cpu" in self.dirs:
            _write(self.dirs["cpu"] / "cpu.cfs_period_us", str(CPU_PERIOD_US))
            _write(self.dirs["cpu"] / "cpu.cfs_quota_us", str(quota))

    def enter(self) -> None:
        """Runs in the forked child before exec (Popen's preexec_fn): move it into the group."""
        pid = str(os.getpid()).encode()
        for path in self._procs:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    # -- reading -----------------------------------------------------------------------
    def _value(self, controller: str, name: str) -> int | None:
        d = self.dirs.get(controller)
        if d is None:
            return None
        try:
            text = _read(d / name).strip()
        except OSError:
            return None
        if text == "max":
            return None
        try:
            return int(text)
        except ValueError:
            return None

    def _keyed(self, controller: str, name: str) -> dict[str, int]:
        d = self.dirs.get(controller)
        if d is None:
            return {}
        try:
            lines = _read(d / name).splitlines()
        except OSError:
            return {}
        out = {}
        for line in lines:
            key, _, value = line.partition(" ")
            if value.strip().lstrip("-").isdigit():
                out[key] = int(value)
        return out

    def pids(self) -> list[int]:
        d = self.dirs.get("pids") or self.dirs["memory"]
        try:
            return [int(p) for p in _read(d / "cgroup.procs").split()]
        except (OSError, ValueError):
            return []

    def memory_current(self) -> int | None:
        if self.final is not None:
            return None
        name = "memory.current" if self.support.version == "v2" else "memory.usage_in_bytes"
        now = self._value("memory", name)
        if now is not None:
            self._peak_seen = max(self._peak_seen, now)
        return now

    def memory_peak(self) -> int | None:
        """The most memory the group held at once (tmpfs, shm and page cache charged to it included)."""
        if self.final is not None:
            return self.final["memory_peak"]
        name = "memory.peak" if self.support.version == "v2" else "memory.max_usage_in_bytes"
        peak = self._value("memory", name)
        if peak is None:  # v2 before Linux 5.19: the most the watchdog saw
            self.memory_current()
            peak = self._peak_seen or None
        return peak

    def oom_kills(self) -> int:
        """How many processes the kernel killed for the group's memory limit."""
        if self.final is not None:
            return self.final["oom_kills"] or 0
        if self.support.version == "v2":
            return self._keyed("memory", "memory.events").get("oom_kill", 0)
        control = self._keyed("memory", "memory.oom_control")
        if "oom_kill" in control:
            return control["oom_kill"]
        return 0  # kernels before 4.13 do not count them

    def pids_peak(self) -> int | None:
        if self.final is not None:
            return self.final["pids_peak"]
        return self._value("pids", "pids.peak")

    def pids_refused(self) -> int:
        """Forks refused because the group was at pids.max."""
        if self.final is not None:
            return self.final["pids_refused"] or 0
        return self._keyed("pids", "pids.events").get("max", 0)

    # -- ending ------------------------------------------------------------------------
    def kill(self, timeout: float = 5.0) -> bool:
        """SIGKILL every process in the group until none is left; False if some outlived `timeout`."""
        kill_file = self.dirs["memory"] / "cgroup.kill"
        if self.support.version == "v2" and kill_file.exists():
            try:
                _write(kill_file, "1")
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while True:
            pids = self.pids()
            if not pids:
                return True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left, note the peaks, remove the group's folders. Idempotent."""
        if self.final is not None:
            return
        self.kill()
        self.final = {"memory_peak": self.memory_peak(), "oom_kills": self.oom_kills(),
                      "pids_peak": self.pids_peak(), "pids_refused": self.pids_refused()}
        for d in dict.fromkeys(self.dirs.values()):
            for _ in range(100):  # exiting processes leave the group a moment after SIGKILL
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:
                    if exc.errno != errno.EBUSY:
                        log.warning("could not remove the sandbox group %s: %s", d, exc)
                        break
                    self.kill(timeout=0.05)
                    time.sleep(0.05)
            else:
                log.warning("could not remove the sandbox group %s: still busy", d)

    @property
    def removed(self) -> bool:
        return self.final is not None and not any(d.exists() for d in self.dirs.values())


def create(memory_bytes: int | None, processes: int, cpus: float) -> Group | None:
    """A fresh group for one sandbox with these limits, or None where control groups are not used."""
    found = support()
    if found.version == "none":
        return None
    return Group.create(found, memory_bytes, processes, cpus)
