"""The sandbox itself, tested from the inside: what student code can see and do in the child.

Each test loads one small cell into a real child and calls its `probe()`, which reports
plain data about its world. bwrap-only tests are skipped, with the reason, where bubblewrap
cannot start on the machine; the rlimits fallback is tested everywhere.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from autograder.grading import grade
from autograder.runtime import sandbox
from autograder.runtime.sandbox import Child, ChildDied, ChildTimeout, Limits
from corpus.build import ROOT, write_submission
from sandbox_util import Listener, fast_course, leftover_processes, wait_for_no_leftovers

BWRAP_OK, BWRAP_WHY = sandbox._bwrap_works()
needs_bwrap = pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap cannot start on this machine: {BWRAP_WHY}")
MiB, GiB = 1024**2, 1024**3


@pytest.fixture
def bwrap_mode(monkeypatch):
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "bwrap")


@pytest.fixture
def rlimits_mode(monkeypatch):
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "rlimits")


@pytest.fixture(params=[pytest.param("bwrap", marks=needs_bwrap), "rlimits"])
def any_mode(request, monkeypatch):
    monkeypatch.setenv(sandbox.SANDBOX_ENV, request.param)
    return request.param


@pytest.fixture
def folder(tmp_path):
    """A submission folder with one file in it, readable by the child."""
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "note.txt").write_text("the student's own file\n")
    return sub


def load(child: Child, source: str, timeout: float = 60) -> list[dict]:
    """Run one cell in the child; its events."""
    child.send({"op": "load", "ns": "t", "cells": [[0, textwrap.dedent(source)]]})
    events = []
    while True:
        event = child.events(timeout, "the test cell")
        events.append(event)
        if event.get("event") == "loaded":
            return events


def call(child: Child, target: str = "probe", *args, timeout: float = 60) -> dict:
    return child.request({"op": "call", "ns": "t", "target": target, "args": list(args), "kwargs": {},
                          "stand_ins": [], "seed": 0}, timeout, target)


def probe(folder: Path, source: str, limits: Limits = Limits()) -> dict:
    """Load `source` (which defines probe()) into a fresh child, call probe(), return its result."""
    with Child(folder, limits) as child:
        events = load(child, source)
        errors = [e["error"] for e in events if e.get("status") == "error"]
        assert not errors, errors
        reply = call(child)
    assert reply["ok"], reply
    return reply["result"]


# ------------------------------------------------------------------------------ bwrap only
@needs_bwrap
def test_child_is_an_unprivileged_user(folder, bwrap_mode):
    info = probe(folder, """
        import os
        def probe():
            status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
            return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
                    "caps": [status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")],
                    "no_new_privs": status["NoNewPrivs"].strip()}
    """)
    assert info["uid"] != 0 and info["euid"] != 0 and info["gid"] != 0, info
    assert info["groups"] == [] or 0 not in info["groups"], info
    assert set(info["caps"][1:3]) == {"0000000000000000"}, info  # no permitted or effective capability
    if os.geteuid() == 0:  # dropped by setpriv: nothing can be regained
        assert info["caps"] == ["0000000000000000"] * 5 and info["no_new_privs"] == "1", info


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0, reason="per-child uids are used only when the grader runs as root")
def test_each_child_gets_its_own_uid_and_process_limit(folder, bwrap_mode):
    """RLIMIT_NPROC counts a uid machine-wide: a fork bomb held in one child (zombies count)
    must not leave a concurrently graded child unable to start threads."""
    limits = Limits(processes=32)
    with Child(folder, limits) as bomber, Child(folder, limits) as victim:
        load(bomber, """
            import os, time
            def probe():
                made = 0
                for _ in range(200):
                    try:
                        pid = os.fork()
                    except OSError:
                        break
                    if pid == 0:
                        time.sleep(0.2)
                        os._exit(0)  # never reaped: a zombie that still counts
                    made += 1
                return [os.getuid(), made]
        """)
        load(victim, """
            import os, threading
            def probe():
                threads = [threading.Thread(target=lambda: None) for _ in range(8)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                return [os.getuid(), len(threads)]
        """)
        bomber_uid, made = call(bomber)["result"]
        assert made < limits.processes
        reply = call(victim)
        assert reply["ok"], reply
        assert reply["result"][0] != bomber_uid


@needs_bwrap
def test_child_cannot_see_the_repository_or_the_solutions(folder, bwrap_mode, course):
    secrets = [ROOT / "course.yaml", ROOT / "autograder", ROOT / "autograder" / "grading" / "hidden", ROOT / "tests",
               course.solutions_dir, ROOT / "solutions", ROOT / ".git", Path(sandbox.__file__)]
    info = probe(folder, f"""
        import os
        SECRETS = {[str(p) for p in secrets]!r}
        ROOT = {str(ROOT)!r}
        def probe():
            try:
                import autograder
                grader = autograder.__file__
            except ImportError:
                grader = None
            return {{"visible": [p for p in SECRETS if os.path.exists(p)],
                     "root": sorted(os.listdir(ROOT)) if os.path.isdir(ROOT) else None,
                     "grader_import": grader, "grader_dir": sorted(os.listdir("/grader")),
                     "submission": sorted(os.listdir("/submission")), "top": sorted(os.listdir("/"))}}
    """)
    assert info["visible"] == [], info
    assert info["grader_import"] is None, info
    # The repository's folder may exist only as a mount point for a virtual environment inside it.
    venv = Path(sys.prefix)
    allowed = {venv.relative_to(ROOT).parts[0]} if venv.is_relative_to(ROOT) else set()
    assert info["root"] is None or set(info["root"]) <= allowed, info
    assert info["grader_dir"] == sorted(sandbox.RUNTIME_FILES), info
    assert info["submission"] == ["note.txt"], info


@needs_bwrap
def test_child_can_write_only_its_private_tmp(folder, bwrap_mode):
    token = f"sandbox-write-test-{os.getpid()}-{time.monotonic_ns()}"
    targets = ["/", "/submission", "/grader", "/usr", "/etc", sys.prefix, str(ROOT), "/root", "/var/tmp", "/work"]
    info = probe(folder, f"""
        import os
        TARGETS, TOKEN = {targets!r}, {token!r}
        def probe():
            wrote, refused = [], []
            for folder in TARGETS:
                try:
                    with open(os.path.join(folder, TOKEN), "w") as f:
                        f.write("x")
                    wrote.append(folder)
                except OSError:
                    refused.append(folder)
            with open("/tmp/" + TOKEN, "w") as f:
                f.write("private")
            try:
                os.remove("/submission/note.txt")
                removed = True
            except OSError:
                removed = False
            return {{"wrote": wrote, "removed": removed, "tmp": open("/tmp/" + TOKEN).read(), "cwd": os.getcwd()}}
    """)
    assert info["wrote"] == [] and not info["removed"], info
    assert info["tmp"] == "private" and info["cwd"] == "/tmp", info
    assert not (Path(tempfile.gettempdir()) / token).exists(), "the child's /tmp is the host's /tmp"
    assert (folder / "note.txt").read_text() == "the student's own file\n"
    for t in [*targets, "/dev/shm"]:  # /dev inside is the sandbox's own: not the host's /dev/shm either
        assert not (Path(t) / token).exists()


@needs_bwrap
def test_child_has_no_network(folder, bwrap_mode):
    listener = Listener()
    try:
        info = probe(folder, f"""
            import socket
            def probe():
                out = {{}}
                for name, addr in {{"loopback": ("127.0.0.1", {listener.port}), "external": ("1.1.1.1", 80)}}.items():
                    try:
                        socket.create_connection(addr, timeout=2).close()
                        out[name] = "connected"
                    except OSError as exc:
                        out[name] = type(exc).__name__
                out["interfaces"] = [l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:]]
                return out
        """)
    finally:
        listener.close()
    assert info["loopback"] != "connected" and info["external"] != "connected", info
    assert info["interfaces"] == ["lo"], info
    assert listener.seen == []


@needs_bwrap
def test_child_has_its_own_pid_namespace(folder, bwrap_mode):
    info = probe(folder, """
        import os
        def probe():
            pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
            return {"pid": os.getpid(), "pids": pids, "init": open("/proc/1/cmdline", "rb").read().split(b"\\0")[0].decode()}
    """)
    assert info["pid"] < 10, info
    assert os.getpid() not in info["pids"] or len(info["pids"]) < 5, info
    assert len(info["pids"]) < 5, info  # only the sandbox's own processes
    assert not info["init"].endswith(("systemd", "init", "tini", "dumb-init")), info  # pid 1 is bwrap, not the host's init


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0, reason="making stand-in device nodes needs root")
def test_gpu_children_get_the_nvidia_devices_and_others_do_not(folder, bwrap_mode, tmp_path, monkeypatch):
    """A training child on a GPU machine sees /dev/nvidia* (usable by its unprivileged uid), /sys,
    and the driver's library path and device choice from the grader's environment; every other
    child sees none of that, and CUDA is hidden from it. Stand-in nodes
    (the null device under NVIDIA's names) play the GPU on a machine without one."""
    devices = tmp_path / "dev"
    devices.mkdir()
    for name in ("nvidia0", "nvidiactl", "nvidia-uvm"):
        try:
            os.mknod(devices / name, 0o20666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("this file system refuses device nodes")
        os.chmod(devices / name, 0o666)
    monkeypatch.setattr(sandbox, "GPU_DEVICES", devices)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/usr/local/nvidia/lib64")  # where containers keep the driver
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")  # the instructor's choice
    source = textwrap.dedent("""
        import os
        def probe():
            found = sorted(n for n in os.listdir("/dev") if n.startswith("nvidia"))
            usable = all(open("/dev/" + n, "rb").read() == b"" for n in found)
            return {"found": found, "usable": usable, "sys": os.path.isdir("/sys/devices"),
                    "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"), "libs": os.environ.get("LD_LIBRARY_PATH")}
    """)
    seen = {}
    for gpu in (True, False):
        with Child(folder, Limits(), gpu=gpu) as child:
            assert not [e for e in load(child, source) if e.get("status") == "error"]
            reply = call(child)
        assert reply["ok"], reply
        seen[gpu] = reply["result"]
    assert seen[True] == {"found": ["nvidia-uvm", "nvidia0", "nvidiactl"], "usable": True, "sys": True,
                          "cuda": "0", "libs": "/usr/local/nvidia/lib64"}
    assert seen[False] == {"found": [], "usable": True, "sys": False, "cuda": "", "libs": None}


@needs_bwrap
def test_sandbox_dies_with_the_grader(folder, bwrap_mode, tmp_path):
    """Killing the grader (SIGKILL, no cleanup) takes the whole sandbox with it."""
    script = tmp_path / "grader.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from autograder.runtime.sandbox import Child
        child = Child({str(folder)!r}).start()
        child.send({{"op": "load", "ns": "t", "cells": [[0, "import os\\nfor _ in range(5):\\n    os.fork()"]]}})
        print("started", flush=True)
        time.sleep(600)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "started"
        time.sleep(1.0)
        assert leftover_processes([str(folder)], root=proc.pid), "the sandbox did not start"
        proc.kill()
        proc.wait()
        assert wait_for_no_leftovers([str(folder)]) == []
    finally:
        proc.kill()


# ----------------------------------------------------------------------------- both modes
def test_resource_limits_apply_inside(folder, any_mode):
    limits = Limits(cpu_seconds=321, address_space=6 * GiB, file_size=5 * MiB, processes=77, open_files=99)
    info = probe(folder, """
        import os, tempfile
        def probe():
            table = {}
            for line in open("/proc/self/limits").read().splitlines()[1:]:
                name, soft = line[:26].strip(), line[26:47].strip()
                table[name] = soft
            fd, path = tempfile.mkstemp()
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(b"x" * (6 * 1024 * 1024))
                big = "written"
            except OSError as exc:
                big = type(exc).__name__
            finally:
                os.remove(path)
            return {"limits": table, "big_file": big}
    """, limits)
    table = info["limits"]
    assert table["Max cpu time"] == "321"
    assert table["Max address space"] == str(6 * GiB)
    assert table["Max file size"] == str(5 * MiB)
    assert table["Max processes"] == "77"
    assert table["Max open files"] == "99"
    assert table["Max core file size"] == "0"
    assert info["big_file"] != "written", info


def test_infinite_loop_is_stopped_and_cleaned_up(folder, any_mode):
    child = Child(folder, Limits()).start()
    try:
        load(child, """
            import signal
            for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(s, signal.SIG_IGN)
            def probe():
                while True:
                    pass
        """)
        start = time.monotonic()
        with pytest.raises(ChildTimeout):
            call(child, timeout=2)
        assert time.monotonic() - start < 10
        assert not child.alive
    finally:
        child.cleanup()
    assert wait_for_no_leftovers([str(folder), child._runtime]) == []


def test_memory_bomb_is_refused(folder, any_mode):
    """Past the address-space limit allocation fails inside the child; the grader is untouched."""
    with Child(folder, Limits(address_space=6 * GiB)) as child:
        load(child, """
            import torch
            def probe():
                blocks = []
                for _ in range(64):  # 64 GiB in touched 1 GiB blocks
                    blocks.append(torch.ones(2**28))
                return len(blocks)
            def still_alive():
                return "yes"
        """)
        try:
            reply = call(child)
            assert not reply["ok"] and reply["exc_type"] in ("MemoryError", "RuntimeError"), reply
            assert call(child, "still_alive")["result"] == "yes"
        except ChildDied:
            pass  # killed outright is contained too
    assert wait_for_no_leftovers([str(folder), child._runtime]) == []


def test_memory_watchdog_replaces_the_address_space_limit(folder, any_mode):
    """Where an address-space rlimit would break CUDA (the GPU training child), the parent's
    resident-memory watchdog stops a memory bomb instead, and says so."""
    with Child(folder, Limits(address_space=None, memory_bytes=2 * GiB)) as child:
        load(child, """
            import torch
            def probe():
                blocks = []
                for _ in range(64):  # touched 1 GiB blocks
                    blocks.append(torch.ones(2**28))
                return len(blocks)
        """)
        with pytest.raises(ChildDied, match="more than 2 GiB of memory"):
            call(child)
    assert wait_for_no_leftovers([str(folder), child._runtime]) == []


def test_gpu_memory_watchdog_stops_only_the_child_that_holds_too_much(folder, any_mode, monkeypatch):
    """Students sharing a GPU: the child whose process tree holds more GPU memory than its share
    (as NVML reports it per process; a stand-in here) is killed and told why; its neighbour,
    within its share, trains on."""
    limits = Limits(address_space=None, gpu_memory_bytes=2 * GiB)
    with Child(folder, limits) as hog, Child(folder, limits) as neighbour:
        for child in (hog, neighbour):
            load(child, """
                import time
                def probe():
                    time.sleep(3)
                    return "done"
            """)
        # The driver reports the python process at the bottom of each tree (under bwrap's two).
        hog_python, neighbour_python = sandbox.tree_pids(hog.proc.pid)[-1], sandbox.tree_pids(neighbour.proc.pid)[-1]
        monkeypatch.setattr(sandbox, "gpu_memory_by_pid", lambda: {hog_python: 3 * GiB, neighbour_python: 1 * GiB})
        with pytest.raises(ChildDied, match="more than 2 GiB of GPU memory"):
            call(hog)
        assert call(neighbour)["result"] == "done"
    assert wait_for_no_leftovers([str(folder)]) == []


def test_without_nvml_the_gpu_watchdog_stands_aside(folder, monkeypatch):
    """No driver (this machine) or no nvidia-ml-py: nothing is attributed, nobody is killed."""
    monkeypatch.setattr(sandbox, "gpu_memory_by_pid", lambda: None)
    assert sandbox.gpu_memory(sandbox.tree_pids(os.getpid())) == 0
    assert probe(folder, """
        def probe():
            return "trained"
    """, Limits(address_space=None, gpu_memory_bytes=1)) == "trained"


def test_forked_processes_are_killed_with_the_child(folder, any_mode):
    with Child(folder, Limits()) as child:
        load(child, """
            import os, signal, time
            def probe():
                for _ in range(5):
                    if os.fork() == 0:
                        signal.signal(signal.SIGTERM, signal.SIG_IGN)
                        time.sleep(300)
                        os._exit(0)
                return "forked"
        """)
        assert call(child)["result"] == "forked"
        runtime = child._runtime
    assert wait_for_no_leftovers([str(folder), runtime]) == []


def test_rlimits_fallback_grades_a_correct_submission(tmp_path, course, rlimits_mode):
    quick = fast_course(course)
    write_submission(tmp_path, quick, "02_convolutions")
    result = grade.grade(tmp_path, quick, only=["02_convolutions"])
    assert result.sandbox == "rlimits"
    assert [(t.name, t.output) for t in result.tests if not t.passed] == []
    assert result.score == result.max_score > 0


# ------------------------------------------------------------------------- fallback warning
@pytest.fixture
def no_bwrap(monkeypatch):
    """bwrap looks uninstalled; the caches are cleared before and after."""
    sandbox._bwrap_works.cache_clear()
    sandbox._warn_once.cache_clear()
    real_which = shutil.which
    monkeypatch.setattr(sandbox.shutil, "which", lambda name, *a, **k: None if name == "bwrap" else real_which(name, *a, **k))
    yield
    monkeypatch.undo()
    sandbox._bwrap_works.cache_clear()
    sandbox._warn_once.cache_clear()


def test_missing_bwrap_warns_loudly_and_falls_back(no_bwrap, monkeypatch, capsys, caplog, tmp_path):
    monkeypatch.delenv(sandbox.SANDBOX_ENV, raising=False)
    with caplog.at_level(logging.WARNING, logger="autograder.runtime.sandbox"):
        assert sandbox.mode() == "rlimits"
        assert sandbox.mode() == "rlimits"
    err = capsys.readouterr().err
    assert err.count("WARNING: bubblewrap sandbox unavailable") == 1, err  # loud, and once
    assert "not installed" in err and "resource limits ONLY" in err
    assert any("bubblewrap sandbox unavailable" in r.getMessage() for r in caplog.records)
    argv, env, kind = sandbox.command(tmp_path, tmp_path)
    assert kind == "rlimits" and "bwrap" not in argv[0] and env is not None


def test_missing_bwrap_is_an_error_when_bwrap_is_required(no_bwrap, monkeypatch):
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "bwrap")
    with pytest.raises(RuntimeError, match="cannot start"):
        sandbox.mode()


# --------------------------------------------------------------------------- output capping
def test_output_cap_keeps_head_and_tail():
    out = sandbox._Output(cap=100)
    out.add(b"HEAD" + b"a" * 96)
    for _ in range(1000):
        out.add(b"b" * 37)
    out.add(b"c" * 46 + b"TAIL")
    text = out.text()
    assert text.startswith("HEAD") and text.endswith("TAIL")
    assert len(out.head) + len(out.tail) == 100
    assert out.dropped == 100 + 1000 * 37 + 50 - 100
    assert f"[{out.dropped} bytes of output cut]" in text


def test_child_output_is_drained_and_capped(folder, any_mode):
    limits = Limits(output_bytes=4096)
    with Child(folder, limits) as child:
        load(child, """
            import os, sys
            print("FIRST LINE")
            for i in range(20000):
                print("x" * 99)
            sys.stderr.write("y" * 5_000_000)
            os.write(1, b"z" * 5_000_000)
            print("LAST LINE", flush=True)
            def probe():
                return "still answering"
        """)
        assert call(child)["result"] == "still answering"  # a flood never blocks the channel
        assert sandbox.wait_until(lambda: "LAST LINE" in child.output.text(), 10)
        text = child.output.text()
    assert text.startswith("FIRST LINE")
    assert text.rstrip().endswith("LAST LINE")
    assert "bytes of output cut" in text and len(text) < 4096 + 100
