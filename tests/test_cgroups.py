"""Limits per sandbox, not per process: memory (tmpfs, shared memory and memfds included),
processes and CPU, held by the kernel's control groups (autograder/runtime/cgroups.py), and the
watchdog that stands in where there are none.

Every child here gets a small limit (512 MiB; a sandbox that has imported torch holds about
370 MiB of it) so that an attack that would take 1 GiB or more is stopped within seconds,
and the machine never sees more than the limit. The control-group tests are skipped, with the
reason, where this machine gives the grader no control group it can write; the fallback test
runs everywhere.
"""

from __future__ import annotations

import logging
import os
import re
import textwrap
from pathlib import Path

import pytest

from autograder import config
from autograder.runtime import cgroups, sandbox
from autograder.runtime.sandbox import Child, ChildDied, Limits
from sandbox_util import wait_for_no_leftovers

MiB, GiB = 1024**2, 1024**3
LIMIT = 512 * MiB
MEMORY_REASON = "killed for using more than 0.5 GiB of memory (the sandbox's limit, shared memory and /tmp included)"

BWRAP_OK, BWRAP_WHY = sandbox._bwrap_works()
needs_bwrap = pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap cannot start on this machine: {BWRAP_WHY}")


def _support() -> cgroups.Support:
    if os.environ.get(cgroups.ENV, "auto") not in ("auto", "v1", "v2"):
        return cgroups.Support("none", why=f"{cgroups.ENV} is set to {os.environ[cgroups.ENV]}")
    return cgroups.support()


SUPPORT = _support()
needs_cgroups = pytest.mark.skipif(SUPPORT.version == "none",
                                   reason=f"no control group the grader can write here: {SUPPORT.why}")


@pytest.fixture(params=[pytest.param("bwrap", marks=needs_bwrap), "rlimits"])
def any_mode(request, monkeypatch):
    monkeypatch.setenv(sandbox.SANDBOX_ENV, request.param)
    return request.param


@pytest.fixture
def bwrap_mode(monkeypatch):
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "bwrap")


@pytest.fixture
def folder(tmp_path):
    sub = tmp_path / "submission"
    sub.mkdir()
    return sub


def load(child: Child, source: str) -> None:
    child.send({"op": "load", "ns": "t", "cells": [[0, textwrap.dedent(source)]]})
    while True:
        event = child.events(60, "the test cell")
        assert event.get("status") != "error", event
        if event.get("event") == "loaded":
            return


def call(child: Child, target: str = "probe", timeout: float = 60) -> dict:
    return child.request({"op": "call", "ns": "t", "target": target, "args": [], "kwargs": {},
                          "stand_ins": [], "seed": 0}, timeout, target)


def meminfo(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


# Each writes 1 GiB or more somewhere no process's own resident memory shows it, in pieces
# under the 64 MiB file-size limit (RLIMIT_FSIZE holds per file, not per sandbox).
ATTACKS = {
    "tmp_files": """
        def probe():
            for i in range(16):
                with open(f"/tmp/f{i}", "wb") as f:
                    for _ in range(4):
                        f.write(b"x" * (16 << 20))
            return "1 GiB in /tmp"
    """,
    "dev_shm_files": """
        def probe():
            for i in range(16):
                with open(f"/dev/shm/f{i}", "wb") as f:
                    for _ in range(4):
                        f.write(b"x" * (16 << 20))
            return "1 GiB in /dev/shm"
    """,
    "sysv_shm": """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.shmat.restype = ctypes.c_void_p
        libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
        def probe():
            shmid = libc.shmget(0, 1 << 30, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
            assert shmid >= 0, ctypes.get_errno()
            addr = libc.shmat(shmid, None, 0)
            for offset in range(0, 1 << 30, 16 << 20):
                ctypes.memset(addr + offset, 1, 16 << 20)
            libc.shmdt(ctypes.c_void_p(addr))  # the segment outlives every mapping of it
            return "1 GiB of SysV shared memory"
    """,
    "memfd": """
        import os
        kept = []
        def probe():
            for i in range(32):
                fd = os.memfd_create(f"m{i}")
                for _ in range(2):
                    os.write(fd, b"x" * (16 << 20))
                kept.append(fd)
            return "1 GiB in memfds"
    """,
    "three_processes": """
        import os, time
        def probe():
            kids = []
            for _ in range(3):
                pid = os.fork()
                if pid == 0:
                    block = b"x" * (400 << 20)  # touched: resident, not just reserved
                    time.sleep(60)
                    os._exit(0)
                kids.append(pid)
            return [os.waitpid(k, 0)[1] for k in kids]
    """,
}
# /tmp files and SysV shared memory outlive the process only in bwrap's private /tmp and IPC
# namespace; in the rlimits fallback they are the host's (the README says so).
BWRAP_ONLY = {"tmp_files", "sysv_shm", "dev_shm_files"}


@needs_cgroups
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_memory_outside_any_process_counts_against_the_sandbox(folder, any_mode, attack):
    """1 GiB in tmpfs files, SysV shm, memfds, or three processes of 400 MiB each: with a 512 MiB
    sandbox the group's memory never passes 512 MiB, the child is killed and told why, and nothing
    is left: no process, no group, no shared memory."""
    if attack in BWRAP_ONLY and any_mode != "bwrap":
        pytest.skip("without bubblewrap /tmp and SysV shared memory are the host's")
    shmem_before = meminfo("Shmem")
    limits = Limits(memory_bytes=LIMIT, tmp_bytes=2 * GiB, shm_bytes=2 * GiB)  # the group, not tmpfs sizes, stops it
    child = Child(folder, limits)
    try:
        child.start()
        group = child._group
        assert group is not None and all(d.is_dir() for d in group.dirs.values())
        load(child, ATTACKS[attack])
        with pytest.raises(ChildDied) as died:
            call(child)
    finally:
        child.cleanup()
    assert MEMORY_REASON in str(died.value)
    assert group.oom_kills() >= 1  # the kernel's limit did it, not a watchdog
    # Charged to this group (so it reached the limit) and never past it: the host gave at most the limit.
    assert LIMIT - 64 * MiB <= child.memory_peak <= LIMIT, child.memory_peak
    assert group.removed
    assert wait_for_no_leftovers([str(folder), child._runtime]) == []
    # The pages died with the sandbox (an attack that got ~150 MiB in before the kill would show).
    # The kernel frees a dead IPC namespace, and its segments, from a work queue: give it a moment.
    assert sandbox.wait_until(lambda: meminfo("Shmem") < shmem_before + 64 * MiB, 10), (meminfo("Shmem"), shmem_before)


@needs_bwrap
@pytest.mark.parametrize("where,size", [("/tmp", 96 * MiB), ("/dev/shm", 32 * MiB)])
def test_private_tmpfs_has_its_size(folder, bwrap_mode, where, size):
    """/tmp and /dev/shm are sized tmpfs: past their size writes fail (ENOSPC), the child lives on."""
    limits = Limits(memory_bytes=GiB, tmp_bytes=96 * MiB, shm_bytes=32 * MiB)
    with Child(folder, limits) as child:
        load(child, f"""
            import os
            def probe():
                written = 0
                try:
                    for i in range(64):
                        with open(f"{where}/f{{i}}", "wb") as f:
                            for _ in range(4):
                                f.write(b"x" * (4 << 20))
                                f.flush()
                                written += 4 << 20
                except OSError as exc:
                    st = os.statvfs({where!r})
                    return [written, exc.errno, st.f_blocks * st.f_frsize]
                return [written, 0, 0]
            def still_alive():
                return "yes"
        """)
        reply = call(child)
        assert reply["ok"], reply
        written, err, total = reply["result"]
        assert err == 28, reply  # ENOSPC, long before 1 GiB
        assert total == size and size - 8 * MiB <= written <= size, reply
        assert call(child, "still_alive")["result"] == "yes"


@needs_bwrap
def test_nothing_else_in_the_sandbox_is_writable(folder, bwrap_mode):
    """bwrap builds / and /dev on unsized tmpfs mounts: they are remounted read-only, so that an
    unprivileged grader's child (which owns them) cannot fill them either."""
    with Child(folder, Limits()) as child:
        load(child, """
            import os
            def probe():
                out = {}
                for path in ("/x", "/dev/x", "/grader/x", "/submission/x"):
                    try:
                        open(path, "w").close()
                        out[path] = "written"
                    except OSError as exc:
                        out[path] = exc.errno
                mounts = {line.split()[1]: line.split()[3].split(",")[0] for line in open("/proc/mounts")}
                return [out, mounts.get("/"), mounts.get("/dev"), mounts.get("/tmp"), mounts.get("/dev/shm")]
        """)
        reply = call(child)
    assert reply["ok"], reply
    written, root, dev, tmp, shm = reply["result"]
    assert "written" not in written.values(), written
    assert (root, dev, tmp, shm) == ("ro", "ro", "rw", "rw")


@needs_cgroups
def test_a_fork_bomb_stops_at_the_groups_process_limit(folder, any_mode):
    """pids.max holds the whole sandbox (threads included), root or not: RLIMIT_NPROC does not
    bind a root child (the rlimits fallback as root), and a grader that is not root (a delegated v2
    group) leaves it off, since it would be one budget for all its sandboxes: the group does."""
    limits = Limits(processes=40)
    child = Child(folder, limits)
    try:
        child.start()
        group = child._group
        load(child, """
            import os, time
            def probe():
                made = 0
                for _ in range(500):
                    try:
                        pid = os.fork()
                    except OSError:
                        break
                    if pid == 0:
                        time.sleep(5)
                        os._exit(0)
                    made += 1
                return made
        """)
        reply = call(child)
        assert reply["ok"], reply
        assert 0 < reply["result"] < limits.processes
        assert group.pids_refused() >= 1  # the group's limit refused a fork (not the per-user RLIMIT_NPROC)
        peak = group.pids_peak()
        assert peak is None or peak <= limits.processes
        assert len(group.pids()) <= limits.processes
    finally:
        child.cleanup()
    assert group.removed
    assert wait_for_no_leftovers([str(folder), child._runtime]) == []


@needs_cgroups
def test_the_group_has_the_limits_asked_for(folder):
    limits = Limits(memory_bytes=700 * MiB, processes=55, cpus=1.5)
    with Child(folder, limits) as child:
        group = child._group
        pid = child.proc.pid
        d = group.dirs
        if SUPPORT.version == "v1":
            assert int((d["memory"] / "memory.limit_in_bytes").read_text()) == 700 * MiB
            if (d["memory"] / "memory.memsw.limit_in_bytes").exists():  # swap is no way out
                assert int((d["memory"] / "memory.memsw.limit_in_bytes").read_text()) == 700 * MiB
            if "cpu" in d:
                assert int((d["cpu"] / "cpu.cfs_quota_us").read_text()) == 150_000
                assert int((d["cpu"] / "cpu.cfs_period_us").read_text()) == 100_000
        else:
            assert int((d["memory"] / "memory.max").read_text()) == 700 * MiB
            if (d["memory"] / "memory.swap.max").exists():
                assert (d["memory"] / "memory.swap.max").read_text().strip() == "0"
            if "cpu" in d:
                assert (d["cpu"] / "cpu.max").read_text().split() == ["150000", "100000"]
            if (d["memory"] / "memory.oom.group").exists():  # one process over the limit ends them all
                assert (d["memory"] / "memory.oom.group").read_text().strip() == "1"
        if "pids" in d:
            assert int((d["pids"] / "pids.max").read_text()) == 55
        # The child, and everything under it, is in the group: the process Popen started included.
        members = set(group.pids())
        assert pid in members and set(sandbox.tree_pids(pid)) <= members
        assert 100 * MiB < group.memory_current() < 700 * MiB  # torch, charged to the sandbox
    assert group.removed and child.memory_peak >= 100 * MiB


@needs_cgroups
def test_processes_that_leave_the_process_group_are_still_killed(folder, any_mode):
    """setsid() escapes killpg, not the control group (in the rlimits fallback, where no PID
    namespace ends them with bwrap, the group is what finds them)."""
    with Child(folder, Limits()) as child:
        group = child._group
        load(child, """
            import os, time
            def probe():
                pids = []
                for _ in range(3):
                    pid = os.fork()
                    if pid == 0:
                        os.setsid()
                        if os.fork():
                            os._exit(0)  # the grandchild is orphaned, in a session of its own
                        time.sleep(300)
                        os._exit(0)
                    os.waitpid(pid, 0)
                return "escaped"
        """)
        assert call(child)["result"] == "escaped"
        assert len(group.pids()) >= 3 + 1
    assert group.removed
    assert wait_for_no_leftovers([str(folder), child._runtime]) == []


# ------------------------------------------------------------------------------- fallback
@pytest.fixture
def no_cgroups(monkeypatch):
    monkeypatch.setenv(cgroups.ENV, "none")
    cgroups.support.cache_clear()
    cgroups._warn_once.cache_clear()
    yield
    monkeypatch.undo()
    cgroups.support.cache_clear()
    cgroups._warn_once.cache_clear()


def test_without_control_groups_the_watchdog_holds_the_tree(folder, any_mode, no_cgroups, capsys, caplog):
    """COURSE_CGROUPS=none: the parent's watchdog sums the tree's own memory (a fork's shared pages
    once) and kills three processes of 400 MiB each under a 1 GiB limit; the warning comes once."""
    with caplog.at_level(logging.WARNING, logger="autograder.runtime.cgroups"):
        with Child(folder, Limits(memory_bytes=GiB, address_space=None)) as child:
            assert child._group is None
            load(child, ATTACKS["three_processes"])
            fallback_reason = "more than 1 GiB of memory (its processes and its /tmp together)"
            with pytest.raises(ChildDied, match=re.escape(fallback_reason)):
                call(child)
        assert cgroups.support().version == "none"
        with Child(folder, Limits(memory_bytes=GiB)) as again:  # a second sandbox: no second warning
            load(again, "def probe():\n    return 'fine'\n")
            assert call(again)["result"] == "fine"  # one torch process alone stays well under 1 GiB
    err = capsys.readouterr().err
    assert err.count("WARNING: control groups unavailable") == 1, err
    assert f"{cgroups.ENV}=none" in err and "watchdog" in err
    assert sum("control groups unavailable" in r.getMessage() for r in caplog.records) == 1
    assert wait_for_no_leftovers([str(folder)]) == []


@needs_bwrap
def test_the_fallback_watchdog_counts_the_private_tmp(folder, bwrap_mode, no_cgroups):
    """Files in the sandbox's /tmp are no process's resident memory; the watchdog counts them."""
    with Child(folder, Limits(memory_bytes=GiB, tmp_bytes=2 * GiB)) as child:
        load(child, """
            import time
            def probe():
                for i in range(24):
                    with open(f"/tmp/f{i}", "wb") as f:
                        for _ in range(4):
                            f.write(b"x" * (16 << 20))
                time.sleep(5)  # the watchdog polls
                return "1.5 GiB in /tmp"
        """)
        with pytest.raises(ChildDied, match=re.escape("more than 1 GiB of memory")):
            call(child)
    assert wait_for_no_leftovers([str(folder)]) == []


def test_a_version_asked_for_and_missing_is_an_error(monkeypatch):
    """COURSE_CGROUPS=v1 or v2 insists, as COURSE_SANDBOX=bwrap does; a typo is named. (A machine
    gives the memory controller to one version only: where auto finds v1, v2 has none, and back.)"""
    missing = "v1" if SUPPORT.version == "v2" else "v2"
    cgroups.support.cache_clear()
    try:
        monkeypatch.setenv(cgroups.ENV, missing)
        with pytest.raises(cgroups.CgroupError, match=f"{cgroups.ENV}={missing} but control groups {missing} cannot"):
            cgroups.support()
        cgroups.support.cache_clear()
        monkeypatch.setenv(cgroups.ENV, "yes")
        with pytest.raises(cgroups.CgroupError, match="expected auto, v2, v1 or none"):
            cgroups.support()
    finally:
        monkeypatch.undo()
        cgroups.support.cache_clear()


# ------------------------------------------------------------------------- where groups go
V2_MOUNTINFO = """\
24 30 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
"""
V1_MOUNTINFO = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""


def test_groups_go_below_the_graders_own_group():
    """v2: a systemd user service; v1: co-mounted cpu,cpuacct, and a memory hierarchy mounted from
    inside a container's group (no cgroup namespace), where the path is relative to that."""
    scope = "/user.slice/user-1000.slice/user@1000.service/app.slice/grader.scope"
    mount = cgroups.mounts(V2_MOUNTINFO)[0]
    own = cgroups.own_groups(f"0::{scope}\n")
    assert mount.fstype == "cgroup2" and own == {"": scope}
    assert cgroups._inside(mount, own[""]) == [Path("/sys/fs/cgroup" + scope), Path("/sys/fs/cgroup")]
    found = {m.point.name: m for m in cgroups.mounts(V1_MOUNTINFO)}
    assert found["cpu,cpuacct"].controllers == {"cpu"} and found["memory"].controllers == {"memory"}
    assert found["unified"].fstype == "cgroup2" and found["unified"].controllers == frozenset()
    own = cgroups.own_groups("12:pids:/docker/abc\n4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n")
    assert own == {"pids": "/docker/abc", "memory": "/docker/abc", "cpu": "/docker/abc", "": "/"}
    assert cgroups._inside(found["memory"], own["memory"])[0] == Path("/sys/fs/cgroup/memory")
    assert cgroups._inside(found["pids"], own["pids"])[0] == Path("/sys/fs/cgroup/pids/docker/abc")


@needs_cgroups
def test_sandbox_groups_sit_below_the_graders_own_group_here():
    """On this kernel, whichever version it gives: each sandbox folder sits below the grader's own
    group (so limits the grader itself runs under hold on top), or at the hierarchy's top only where
    our own group is not writable; on v2 the grader's own processes live in the leaf beside it."""
    mountinfo, me = Path("/proc/self/mountinfo").read_text(), Path("/proc/self/cgroup").read_text()
    own = cgroups.own_groups(me)
    for controller, base in SUPPORT.bases.items():
        key = "" if SUPPORT.version == "v2" else controller
        mount = next(m for m in cgroups.mounts(mountinfo)
                     if (m.fstype == "cgroup2" if key == "" else controller in m.controllers))
        assert base.name == cgroups.PARENT
        ours = cgroups._inside(mount, own[key])[0]
        if SUPPORT.version == "v2" and ours.name == cgroups.HOST_LEAF:
            ours = ours.parent  # we moved ourselves into the leaf to hand controllers down
        if base.parent != ours:
            assert base.parent == mount.point and not os.access(ours, os.W_OK), (base, ours)
    if SUPPORT.version == "v2" and own[""] != "/":
        # "No internal processes": a group that hands controllers down holds no process itself.
        assert not (SUPPORT.bases["memory"].parent / "cgroup.procs").read_text().split()


# --------------------------------------------------------------------------------- config
def test_course_limits_default_and_reach_the_sandbox(course):
    limits = Limits.from_course(course)
    assert limits.memory_bytes == int(course.limits.memory_gib * GiB)
    assert (limits.processes, limits.cpus) == (course.limits.processes, course.limits.cpus)
    assert (limits.tmp_bytes, limits.shm_bytes) == (course.limits.tmp_mib * MiB, course.limits.shm_mib * MiB)
    assert config.SandboxLimits() == config.SandboxLimits(memory_gib=3, training_memory_gib=4, processes=128,
                                                          tmp_mib=512, shm_mib=64, cpus=1)


def test_course_limits_are_read_and_bad_values_named(tmp_path, root, monkeypatch):
    import yaml

    from autograder.grading import trained as lenet

    raw = yaml.safe_load((root / "course.yaml").read_text())

    def load(**limits):
        path = tmp_path / "course.yaml"
        path.write_text(yaml.safe_dump({**raw, "limits": limits}))
        return config.load(path)

    course = load(memory_gib=2, processes=64, tmp_mib=256, cpus=0.5, training_memory_gib=6)
    limits = Limits.from_course(course)
    assert (limits.memory_bytes, limits.processes, limits.tmp_bytes, limits.cpus) == (2 * GiB, 64, 256 * MiB, 0.5)
    monkeypatch.setattr(lenet.torch, "get_num_threads", lambda: 3)  # this worker's share of the cores
    training = lenet.training_limits(course, on_gpu=False)
    assert (training.memory_bytes, training.cpus, training.processes) == (6 * GiB, 3, 64)
    on_gpu = lenet.training_limits(course, on_gpu=True)
    assert on_gpu.address_space is None and on_gpu.memory_bytes == 6 * GiB  # the group holds it, not RLIMIT_AS
    for bad, key in [({"memory_gib": 0}, "limits.memory_gib"), ({"processes": 2}, "limits.processes"),
                     ({"cpus": -1}, "limits.cpus"), ({"memory_gib": "lots"}, "limits.memory_gib"),
                     ({"memory": 3}, "limits.memory"), ({"tmp_mib": 4096}, "tmp_mib")]:
        with pytest.raises(config.CourseConfigError, match=re.escape(key)):
            load(**bad)
