"""Where student code runs: a bubblewrap jail plus resource limits, one child process.

The child sees a read-only system, the Python install, a private /tmp, the grader's
two child-side files and the submission, and nothing else: no network, its own PID
namespace, a non-root uid. Resource limits apply in every mode. Where bubblewrap cannot
start, limits alone remain and a loud warning says so. Memory, processes and CPU are also held
per sandbox, all its processes together, by a control group of its own (autograder/runtime/cgroups.py),
or, where the kernel gives the grader none, by the parent's memory watchdog (Child._watch_memory).
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from autograder.runtime import cgroups
from autograder.runtime.sandboxed import wire

log = logging.getLogger(__name__)

SANDBOX_ENV = "COURSE_SANDBOX"  # "bwrap", "rlimits" or "auto" (default)
NOBODY = 65534
# Root outside drops each child to a uid of its own, not to the shared `nobody`: RLIMIT_NPROC
# counts every process of a uid machine-wide, so with one shared uid a fork bomb in one
# sandbox (zombies included) left every other concurrently graded child unable to start a
# thread or process. Per-child uids are 2**30 + (grader pid << 8) + a per-process counter:
# unique among live grader processes (pid_max <= 2**22), far above real accounts, below 2**31.
CHILD_UID_BASE = 1 << 30
RUNTIME_FILES = ("child.py", "wire.py", "training.py")
WARM_UP_NS = "__grader_warm_up__"  # the child namespace of Child._warm_up, never a notebook's
GiB = 1024**3
# What the child may send back: each frame at most what the request may legitimately return (the
# parent raises it for the few requests that return more), and few frames waiting at a time.
DEFAULT_REPLY_BYTES = 8 * 1024**2
REPLY_QUEUE = 64


class ChildDied(RuntimeError):
    """The child exited or was killed; the message says how, in a student's terms."""


class ChildTimeout(ChildDied):
    pass


@dataclass(frozen=True)
class Limits:
    """What one sandbox may use. Per sandbox (every process in it, tmpfs and shared memory
    included) where the kernel's control groups can be used (autograder/runtime/cgroups.py); the rlimits
    are per process and stay as a second line."""

    cpu_seconds: int = 900  # RLIMIT_CPU, per process
    address_space: int | None = 8 * GiB  # RLIMIT_AS, per process; None where it would break CUDA
    file_size: int = 64 * 1024**2
    processes: int = 128  # the group's pids.max (threads count), and RLIMIT_NPROC
    open_files: int = 256
    output_bytes: int = 64 * 1024
    startup_seconds: float = 60.0
    # Memory of the whole sandbox: the control group's limit (its processes, its /tmp and /dev/shm,
    # SysV shared memory, memfds), or, without control groups, the parent's watchdog over the
    # resident memory of the child's process tree and its private /tmp and /dev/shm. None: no
    # limit but the rlimits. PrairieLearn gives a whole grading job 2 GiB.
    memory_bytes: int | None = 3 * GiB
    # The sandbox's private /tmp and /dev/shm (tmpfs, sized by bwrap); their pages count against
    # memory_bytes as well.
    tmp_bytes: int = 512 * 1024**2
    shm_bytes: int = 64 * 1024**2
    # Cores the sandbox may keep busy at once (the control group's CPU quota).
    cpus: float = 1.0
    # GPU memory of the process tree, watched by the parent where NVML can attribute it to processes.
    gpu_memory_bytes: int | None = None

    @classmethod
    def from_course(cls, course: Any) -> "Limits":
        """The limits course.yaml's `limits:` section sets for an ordinary (non-training) sandbox."""
        own = course.limits
        return cls(memory_bytes=int(own.memory_gib * GiB), processes=own.processes,
                   tmp_bytes=own.tmp_mib * 1024**2, shm_bytes=own.shm_mib * 1024**2, cpus=own.cpus)


@lru_cache(maxsize=None)
def _bwrap_works() -> tuple[bool, str]:
    exe = shutil.which("bwrap")
    if not exe:
        return False, "bubblewrap (bwrap) is not installed"
    cmd = [exe, *(_bwrap_args(Path("/"), Path("/"), check_only=True)), "true"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap could not run: {exc}"
    if proc.returncode != 0:
        return False, f"bwrap failed: {proc.stderr.decode(errors='replace').strip()[:300]}"
    return True, ""


def mode() -> str:
    """'bwrap' or 'rlimits': what this machine can do, or what $COURSE_SANDBOX forces."""
    wanted = os.environ.get(SANDBOX_ENV, "auto")
    if wanted == "rlimits":
        return "rlimits"
    ok, why = _bwrap_works()
    if ok:
        return "bwrap"
    if wanted == "bwrap":
        raise RuntimeError(f"{SANDBOX_ENV}=bwrap but the sandbox cannot start: {why}")
    _warn_once(why)
    return "rlimits"


@lru_cache(maxsize=None)
def _warn_once(why: str) -> None:
    message = (
        f"WARNING: bubblewrap sandbox unavailable ({why}). Student code runs with resource limits ONLY: "
        "it can read the file system and use the network. Install bubblewrap and enable user namespaces."
    )
    log.warning(message)
    print(message, file=sys.stderr)


def _system_binds() -> list[str]:
    args: list[str] = []
    for top in ("/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc"):
        p = Path(top)
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), top]
        elif p.exists():
            args += ["--ro-bind", top, top]
    return args


def _parents(path: str, made: set[str]) -> list[str]:
    """World-traversable parent folders: bwrap would otherwise create them 0700, locking nobody out."""
    args: list[str] = []
    for parent in reversed(Path(path).parents):
        p = str(parent)
        if p != "/" and p not in made:
            made.add(p)
            args += ["--perms", "0755", "--dir", p]
    return args


def _python_binds() -> list[str]:
    args: list[str] = []
    made: set[str] = set()
    for prefix in sorted({sys.base_prefix, sys.prefix, sys.exec_prefix}):
        if not prefix.startswith(("/usr/", "/bin", "/lib")):
            args += [*_parents(prefix, made), "--ro-bind", prefix, prefix]
    # A non-editable install puts the grader (hidden tests included) in site-packages: hide it.
    pkg = Path(__file__).resolve().parent.parent  # the whole autograder package
    if any(str(pkg).startswith(p.rstrip("/") + "/") for p in (sys.prefix, sys.base_prefix)):
        args += ["--tmpfs", str(pkg)]
    return args


GPU_ENV = ("LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES")
GPU_DEVICES = Path("/dev")  # where the NVIDIA device nodes are looked for (a test points it elsewhere)


def _gpu_binds() -> list[str]:
    """The NVIDIA device nodes, and /sys read-only: the CUDA runtime reads PCI and NUMA topology there."""
    args: list[str] = []
    for dev in sorted(GPU_DEVICES.glob("nvidia*")):
        args += ["--dev-bind", str(dev), f"/dev/{dev.name}"]
    if Path("/sys").is_dir():
        args += ["--ro-bind", "/sys", "/sys"]
    return args


@lru_cache(maxsize=None)
def _bwrap_sizes() -> bool:
    """Whether this bwrap can size a tmpfs (`--size`, bubblewrap 0.5 and later)."""
    exe = shutil.which("bwrap")
    try:
        out = subprocess.run([exe or "bwrap", "--help"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    if b"--size" in out.stdout + out.stderr:
        return True
    _warn_sizes_once()
    return False


@lru_cache(maxsize=None)
def _warn_sizes_once() -> None:
    message = ("WARNING: this bubblewrap cannot size a tmpfs (--size needs bubblewrap 0.5 or later): the sandbox's "
               "/tmp and /dev/shm are bounded only by its memory limit (see `limits:` in course.yaml).")
    log.warning(message)
    print(message, file=sys.stderr)


def _tmpfs(path: str, size: int) -> list[str]:
    """A private, world-writable (sticky) tmpfs of at most `size` bytes, counted against the sandbox's memory."""
    sized = ["--size", str(size)] if _bwrap_sizes() else []
    return ["--perms", "1777", *sized, "--tmpfs", path]


def _bwrap_args(runtime: Path, submission: Path, *, gpu: bool = False, check_only: bool = False,
                limits: Limits = Limits()) -> list[str]:
    # bwrap's own tmpfs mounts (/tmp, /dev, the root it builds) default to half the host's RAM:
    # /tmp and /dev/shm get a size, everything else the child could write is remounted read-only
    # (below). Without that, an unprivileged grader's child owns /dev and / and could fill them.
    args = [
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session",
        *_system_binds(),
        "--proc", "/proc", "--dev", "/dev",
        *_tmpfs("/dev/shm", limits.shm_bytes), *_tmpfs("/tmp", limits.tmp_bytes),
    ]
    if os.geteuid() != 0:
        # Unprivileged: a user namespace maps us to nobody inside.
        args += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    if check_only:
        return args
    binds = _python_binds()
    args += [*binds, "--ro-bind", str(runtime), "/grader", "--ro-bind", str(submission), "/submission"]
    if gpu:
        args += _gpu_binds()
    # Last, once every mount point in them exists: only /tmp and /dev/shm stay writable.
    hidden = [binds[i + 1] for i, a in enumerate(binds[:-1]) if a == "--tmpfs"]
    for path in [*hidden, "/dev", "/"]:
        args += ["--remount-ro", path]
    args += ["--chdir", "/tmp", "--clearenv"]
    for key, value in _child_env(gpu).items():
        args += ["--setenv", key, value]
    return args


def _child_env(gpu: bool) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp",
        "CUBLAS_WORKSPACE_CONFIG": ":4096:8",
    }
    if not gpu:
        env["CUDA_VISIBLE_DEVICES"] = ""
        return env
    # Containers often reach the driver's libraries only through LD_LIBRARY_PATH (under
    # /usr/local/nvidia, say), and the instructor's choice of device must hold inside too.
    for key in GPU_ENV:
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _set_limits(limits: Limits, *, per_user_processes: bool = True) -> None:
    """Runs in the forked child before exec: these limits survive bwrap and setpriv.

    `per_user_processes=False` leaves RLIMIT_NPROC alone: it counts every process of the uid, so
    where every child shares the grader's uid (a grader that is not root) it is one budget for all
    sandboxes together, and a fork bomb held at its own group's pids.max would still use up its
    neighbour's. The group's pids.max holds each sandbox apart there."""
    def cap(which: int, value: int) -> None:
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass

    cap(resource.RLIMIT_CPU, limits.cpu_seconds)
    if limits.address_space:
        cap(resource.RLIMIT_AS, limits.address_space)
    cap(resource.RLIMIT_FSIZE, limits.file_size)
    if per_user_processes:
        cap(resource.RLIMIT_NPROC, limits.processes)
    cap(resource.RLIMIT_NOFILE, limits.open_files)
    cap(resource.RLIMIT_CORE, 0)


_uid_counter = itertools.count()


def _child_uid() -> int:
    return CHILD_UID_BASE + ((os.getpid() & 0x3FFFFF) << 8) + (next(_uid_counter) & 0xFF)


def command(runtime: Path, submission: Path, *, gpu: bool = False,
            limits: Limits = Limits()) -> tuple[list[str], dict[str, str] | None, str]:
    """The argv (and environment) that starts the child, and the sandbox mode used."""
    python = [sys.executable, "-E", "-s", "-B"]
    kind = mode()
    if kind == "bwrap":
        argv = [shutil.which("bwrap") or "bwrap", *_bwrap_args(runtime, submission, gpu=gpu, limits=limits)]
        if os.geteuid() == 0:
            # Root outside: drop to an unprivileged uid for real (one per child, see CHILD_UID_BASE),
            # so RLIMIT_NPROC applies to this child alone and no capability is left.
            uid = _child_uid()
            # That uid has no passwd entry: name it, so getpass.getuser() (torch.compile's cache) works.
            argv += ["--setenv", "USER", "student", "--setenv", "LOGNAME", "student"]
            argv += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                     "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
        return [*argv, *python, "/grader/child.py"], None, kind
    env = {**os.environ, **_child_env(gpu), "PYTHONPATH": ""}
    return [*python, str(runtime / "child.py")], env, kind


@dataclass
class _Output:
    """Student stdout+stderr, drained continuously and capped (head and tail kept)."""

    cap: int
    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    dropped: int = 0

    def add(self, chunk: bytes) -> None:
        room = self.cap // 2 - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            excess = len(self.tail) - self.cap // 2
            if excess > 0:
                del self.tail[:excess]
                self.dropped += excess

    def text(self) -> str:
        middle = f"\n... [{self.dropped} bytes of output cut] ...\n" if self.dropped else ""
        return (bytes(self.head).decode(errors="replace") + middle + bytes(self.tail).decode(errors="replace"))


class Child:
    """One sandboxed child process and the plain-data channel to it."""

    def __init__(self, submission: Path, limits: Limits = Limits(), gpu: bool = False,
                 probes: dict[str, Path] | None = None) -> None:
        self.submission = Path(submission).resolve()
        self.probes = dict(probes or {})  # the course's child-side probe files: sandbox name -> file
        self.limits = limits
        self.gpu = gpu
        self.proc: subprocess.Popen | None = None
        self.mode = "?"
        self._replies: queue.Queue = queue.Queue(maxsize=REPLY_QUEUE)
        self.max_reply = DEFAULT_REPLY_BYTES  # the largest frame the current request may send back
        self._runtime = tempfile.mkdtemp(prefix="course-runtime-")
        self.output = _Output(limits.output_bytes)
        self._group: cgroups.Group | None = None  # the sandbox's control group, while it runs

    # -- life cycle --------------------------------------------------------------------
    def start(self) -> "Child":
        runtime = Path(self._runtime)
        here = Path(__file__).resolve().parent / "sandboxed"
        for name in RUNTIME_FILES:
            shutil.copy(here / name, runtime / name)
        for name, path in self.probes.items():
            shutil.copy(path, runtime / name)
        os.chmod(runtime, 0o755)
        argv, env, self.mode = command(runtime, self.submission, gpu=self.gpu, limits=self.limits)
        limits = self.limits
        # The sandbox's own control group (None without them: see autograder/runtime/cgroups.py). The forked
        # child enters it before exec, so bwrap, setpriv and everything the student starts are inside.
        self._group = group = cgroups.create(limits.memory_bytes, limits.processes, limits.cpus)

        # Root gives each child a uid of its own, so RLIMIT_NPROC is per sandbox there; otherwise it is
        # one budget shared by every sandbox, left off wherever the group's pids.max holds each one.
        per_user = os.geteuid() == 0 or group is None or "pids" not in group.dirs

        def prepare() -> None:  # in the forked child, before exec
            if group is not None:
                group.enter()
            _set_limits(limits, per_user_processes=per_user)

        try:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env, cwd=tempfile.gettempdir(), start_new_session=True, preexec_fn=prepare,
            )
        except BaseException:
            if group is not None:
                group.remove()
            raise
        self._replies = queue.Queue(maxsize=REPLY_QUEUE)
        self._over: str = ""  # which memory limit the watchdog enforced, if any
        self._flooded: str = ""  # why the reader stopped: a frame past max_reply
        os.set_blocking(self.proc.stdin.fileno(), False)  # writes have deadlines (see send)
        threading.Thread(target=self._read_replies, args=(self.proc, self._replies), daemon=True).start()
        threading.Thread(target=self._drain_output, args=(self.proc,), daemon=True).start()
        if group is not None or limits.memory_bytes or limits.gpu_memory_bytes:
            threading.Thread(target=self._watch_memory, args=(self.proc, limits), daemon=True).start()
        ready = self._next(self.limits.startup_seconds, "starting the sandbox")
        if ready.get("event") != "ready":
            raise ChildDied(f"unexpected first message from the sandbox: {ready!r}"[:300])
        self._warm_up()
        return self

    def _warm_up(self) -> None:
        """One traced call of the grader's own trivial function before any student call.

        The first call child.py traces (TorchDispatchMode) lazily imports ~2000 torch modules
        (torch._dynamo, torch._inductor): 1-6 s depending on the machine's load. Without this,
        that cost fell on the student's first call (and on the first call after every restart),
        under call_seconds, and timed out correct submissions on a busy grading machine. Here it
        counts against startup_seconds. (Moving this into child.py's main(), before "ready",
        would save the round trip.)
        """
        deadline = time.monotonic() + self.limits.startup_seconds
        left = lambda: max(deadline - time.monotonic(), 0.1)  # noqa: E731
        self.send({"op": "load", "ns": WARM_UP_NS, "cells": [[0, "def warm_up(x):\n    return x + 1\n"]]})
        while self._next(left(), "starting the sandbox").get("event") != "loaded":
            pass
        reply = self.request({"op": "call", "ns": WARM_UP_NS, "target": "warm_up", "args": [torch.zeros(1)],
                              "kwargs": {}, "stand_ins": [], "seed": 0}, left(), "starting the sandbox")
        if not reply.get("ok"):
            raise ChildDied(f"the sandbox failed its warm-up call: {reply.get('error', reply)!r}"[:300])

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.kill()
        except ProcessLookupError:
            pass
        if self._group is not None:
            self._group.kill()  # processes that left the process group (setsid) did not leave this
        proc.wait()
        if self._group is not None:
            self._group.remove()  # kept: its peaks and OOM count stay readable (memory_peak)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()
            except OSError:
                pass

    def cleanup(self) -> None:
        self.close()
        shutil.rmtree(self._runtime, ignore_errors=True)

    def __enter__(self) -> "Child":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.cleanup()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- channel -----------------------------------------------------------------------
    def _read_replies(self, proc: subprocess.Popen, replies: queue.Queue) -> None:
        """Frames into a bounded queue: a child that floods waits for the parent, never the other way."""
        while True:
            try:
                item = wire.read_frame(proc.stdout, lambda: self.max_reply)
            except EOFError:
                item = EOFError()
            except wire.FrameTooLarge as exc:
                self._flooded = str(exc)
                item = exc
            except (wire.WireError, OSError, ValueError, RecursionError, MemoryError) as exc:
                item = wire.WireError(f"garbled reply from the sandbox: {str(exc)[:200]}")
            while True:
                try:
                    replies.put(item, timeout=0.5)
                    break
                except queue.Full:
                    if proc.poll() is not None or self.proc is not proc:
                        return
            if isinstance(item, BaseException):
                return

    def _watch_memory(self, proc: subprocess.Popen, limits: Limits) -> None:
        """End the whole sandbox once it holds more memory, or GPU memory, than allowed.

        With a control group the kernel holds the memory limit; this notices its OOM kills and
        ends the rest of the sandbox too (cgroup v1 kills one process, not the group). Without
        one, this is the limit: the proportional resident memory of the child's process tree plus
        its private /tmp and /dev/shm, polled. GPU memory matters when several students train
        on one GPU at once: one student's runaway allocation must not make another's run out.
        """
        group = self._group
        while proc.poll() is None:
            pids: list[int] | None = None
            if group is not None:
                group.memory_current()  # the peak, on kernels that do not keep one
                if group.oom_kills():
                    self._over = _memory_words(limits.memory_bytes, group)
            elif limits.memory_bytes:
                pids = tree_pids(proc.pid)
                if sandbox_memory(pids, private_tmp=self.mode == "bwrap") > limits.memory_bytes:
                    self._over = _memory_words(limits.memory_bytes, None)
            if not self._over and limits.gpu_memory_bytes:
                pids = pids if pids is not None else (group.pids() if group is not None else tree_pids(proc.pid))
                if gpu_memory(pids) > limits.gpu_memory_bytes:
                    self._over = f"{limits.gpu_memory_bytes / GiB:g} GiB of GPU memory"
            if self._over:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                if group is not None:
                    group.kill()
                return
            time.sleep(0.2)

    @property
    def memory_peak(self) -> int | None:
        """The most memory the sandbox held at once, from its control group (None without one)."""
        return self._group.memory_peak() if self._group is not None else None

    def _drain_output(self, proc: subprocess.Popen) -> None:
        while True:
            try:
                chunk = proc.stderr.read1(65536)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            self.output.add(chunk)

    def send(self, msg: dict, timeout: float | None = None) -> None:
        """Write one request, within `timeout` seconds: a child that stops reading (SIGSTOP, a full
        pipe it never drains) cannot block the grader."""
        if not self.alive:
            raise ChildDied(self._death_reason())
        data = memoryview(wire.frame(msg, layout=True))
        fd = self.proc.stdin.fileno()
        deadline = time.monotonic() + (self.limits.startup_seconds if timeout is None else timeout)
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise ChildTimeout("the process stopped reading what the grader sent it")
            try:
                _, ready, _ = select.select([], [fd], [], min(left, 1.0))
                if not ready:
                    continue
                data = data[os.write(fd, data[: 1 << 20]):]
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError, ValueError):
                raise ChildDied(self._death_reason()) from None

    def _next(self, timeout: float, doing: str) -> dict:
        try:
            reply = self._replies.get(timeout=timeout)
        except queue.Empty:
            self.close()
            raise ChildTimeout(f"{doing} did not finish within {timeout:g} s") from None
        if isinstance(reply, BaseException):
            reason = self._flooded and f"it sent {self._flooded}"
            reason = reason or self._death_reason(wait=True)
            self.close()
            raise ChildDied(f"{doing}: {reason}")
        if not isinstance(reply, dict):
            self.close()
            raise ChildDied(f"{doing}: malformed reply from the sandbox")
        return reply

    def request(self, msg: dict, timeout: float, doing: str) -> dict:
        deadline = time.monotonic() + timeout
        self.send(msg, timeout)
        return self._next(max(deadline - time.monotonic(), 0.01), doing)

    def events(self, timeout: float, doing: str) -> dict:
        return self._next(timeout, doing)

    def _death_reason(self, wait: bool = False) -> str:
        proc = self.proc
        if proc is None:
            return "the sandbox is not running"
        if wait:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                return "the process stopped answering"
        code = proc.poll()
        if code is None:
            return "the process stopped answering"
        group = self._group
        if not getattr(self, "_over", "") and group is not None and group.oom_kills():
            self._over = _memory_words(self.limits.memory_bytes, group)  # before the watchdog's next look
        if getattr(self, "_over", ""):
            return f"the process was killed for using more than {self._over}"
        if code < 0:
            sig = signal.Signals(-code).name
            hint = {"SIGXCPU": " (CPU time limit)", "SIGKILL": " (killed, often the memory limit)",
                    "SIGXFSZ": " (file size limit)", "SIGSEGV": " (crashed, often out of memory)"}.get(sig, "")
            return f"the process was killed by {sig}{hint}"
        return f"the process exited with status {code}"


def tree_pids(pid: int) -> list[int]:
    """A process and all its descendants, from /proc (empty once it is gone)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in found:
            continue
        try:
            children = [int(c) for task in Path(f"/proc/{p}/task").iterdir()
                        for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        found.append(p)
        todo += children
    return found


def _memory_words(limit: int | None, group: "cgroups.Group | None") -> str:
    amount = f"{limit / GiB:g} GiB of memory" if limit else "the memory it was given"
    if group is not None:
        return f"{amount} (the sandbox's limit, shared memory and /tmp included)"
    return f"{amount} (its processes and its /tmp together)"


def pss(pids: list[int]) -> int:
    """Proportional resident bytes of these processes that are memory of their own: anonymous and
    shared memory (pages shared among them, a fork's copy-on-write pages, counted once in all),
    not the mapped library files the page cache shares with every Python on the machine. Resident
    bytes where the kernel gives no proportional figure (before Linux 4.14)."""
    total = 0
    for p in pids:
        try:
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            total += rss([p])
            continue
        fields = {}
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key in ("Pss", "Pss_Anon", "Pss_Shmem"):
                fields[key] = int(value.split()[0]) * 1024
        if "Pss_Anon" in fields:
            total += fields["Pss_Anon"] + fields.get("Pss_Shmem", 0)
        elif "Pss" in fields:
            total += fields["Pss"]
        else:
            total += rss([p])
    return total


def _private_tmpfs(pids: list[int]) -> int:
    """Bytes in a bwrap sandbox's own /tmp and /dev/shm, seen through one of its processes' root."""
    try:
        host = os.stat("/tmp").st_dev
    except OSError:
        host = None
    for p in pids:
        try:
            if os.stat(f"/proc/{p}/root/tmp").st_dev == host:
                continue  # bwrap's outer process, or the namespace not set up yet
            used = 0
            for folder in ("tmp", "dev/shm"):
                st = os.statvfs(f"/proc/{p}/root/{folder}")
                used += (st.f_blocks - st.f_bfree) * st.f_frsize
            return used
        except OSError:
            continue
    return 0


def sandbox_memory(pids: list[int], *, private_tmp: bool) -> int:
    """What the watchdog counts without a control group: the tree's proportional resident memory,
    plus its private /tmp and /dev/shm in bwrap mode. Blind to SysV shared memory and memfds that
    no process maps."""
    return pss(pids) + (_private_tmpfs(pids) if private_tmp else 0)


def rss(pids: list[int]) -> int:
    """Resident bytes of these processes (0 for those gone)."""
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except (OSError, ValueError):
            continue
    return total


def gpu_memory(pids: list[int]) -> int:
    """GPU bytes these processes hold, on every GPU (0 where NVML cannot tell)."""
    used = gpu_memory_by_pid()
    return sum(used.get(p, 0) for p in pids) if used else 0


@lru_cache(maxsize=1)
def _nvml():
    """pynvml, initialised once for this process; None without nvidia-ml-py or a driver."""
    try:
        import pynvml

        pynvml.nvmlInit()
        return pynvml
    except Exception:  # noqa: BLE001 - no NVML means no GPU watchdog, never a failed grading run
        return None


def gpu_memory_by_pid() -> dict[int, int] | None:
    """Bytes each process holds on the GPUs, as the driver reports them; None where NVML is absent.

    Blind spots: in a container whose PID namespace is not the driver's, NVML's process IDs are
    not the grader's, and under some virtualised drivers it lists no processes at all. There the
    child's own cap (torch's per-process memory fraction) is what remains, and a hostile child
    can lift it: run fewer jobs per GPU, or use MIG, where that matters.
    """
    nvml = _nvml()
    if nvml is None:
        return None
    used: dict[int, int] = {}
    try:
        for i in range(nvml.nvmlDeviceGetCount()):
            for proc in nvml.nvmlDeviceGetComputeRunningProcesses(nvml.nvmlDeviceGetHandleByIndex(i)):
                if proc.usedGpuMemory:
                    used[proc.pid] = used.get(proc.pid, 0) + int(proc.usedGpuMemory)
    except nvml.NVMLError:
        return None
    return used


def wait_until(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
