"""Helpers shared by the sandbox and hostile-submission tests (not a test module).

Processes are found through /proc: the ones a test started are those descending from the
test's own process, or from a process whose command line names a path only that test uses
(the submission folder appears in bwrap's `--ro-bind <folder> /submission`). Other graders
running on the same machine at the same time are not counted.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from pathlib import Path

from autograder import config


def fast_course(course: config.Course) -> config.Course:
    """The course with short time limits, so that hangs cost seconds, not minutes."""
    # The assignment's budget is set apart: 3 x cell_seconds would leave a hostile cell that hangs in
    # both an example and a test too little room for the stubs graded after it on a busy machine.
    limits = course.time_limits.model_copy(update={"call_seconds": 5, "cell_seconds": 10, "test_seconds": 30,
                                                   "assignment_seconds": 90})
    return course.model_copy(update={"time_limits": limits})


def _read(pid: int, name: str) -> bytes | None:
    try:
        with open(f"/proc/{pid}/{name}", "rb") as f:
            return f.read()
    except OSError:
        return None


def process_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (ppid, command line, state) for every process visible now."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat, cmdline = _read(int(entry), "stat"), _read(int(entry), "cmdline")
        if stat is None or cmdline is None:
            continue
        fields = stat.rsplit(b")", 1)[1].split()
        table[int(entry)] = (int(fields[1]), cmdline.replace(b"\0", b" ").decode(errors="replace"), fields[0].decode())
    return table


def leftover_processes(marks: list[str], root: int | None = None) -> list[str]:
    """Processes (zombies included) below `root` (default: this process) or below/at a process
    whose command line contains one of `marks`."""
    root = os.getpid() if root is None else root
    table = process_table()
    found = []
    for pid, (_, cmdline, state) in table.items():
        if pid == root or (table[pid][0] == root and "multiprocessing.resource_tracker" in cmdline):
            continue  # this test process's own helper, alive as long as it is (an earlier ProcessPool started it)
        chain, cur, seen = [], pid, set()
        while cur in table and cur not in seen:
            seen.add(cur)
            chain.append(cur)
            cur = table[cur][0]
        marked = any(any(m in table[c][1] for m in marks) for c in chain)
        if marked or root in chain[1:]:
            found.append(f"{pid} [{state}] {cmdline[:160]}")
    return found


def wait_for_no_leftovers(marks: list[str], timeout: float = 10.0, root: int | None = None) -> list[str]:
    """Leftovers still there after `timeout` seconds (killed sandboxes take a moment to be reaped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = leftover_processes(marks, root)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def snapshot(path: Path) -> object:
    """What a file or folder holds now (content hashes), to compare before and after."""
    path = Path(path)
    if path.is_file():
        return ("file", hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode)
    if path.is_dir():
        return ("dir", path.stat().st_mode,
                sorted((str(p.relative_to(path)), snapshot(p)) for p in path.rglob("*") if not p.is_dir()))
    return "missing" if not path.exists() and not path.is_symlink() else "other"


class Listener:
    """TCP and UDP on one loopback port: records anything that reaches it."""

    def __init__(self) -> None:
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.udp.settimeout(0.2)
        self.seen: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._accept, daemon=True), threading.Thread(target=self._recv, daemon=True)]
        for t in self.threads:
            t.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, addr = self.tcp.accept()
            except OSError:
                continue
            self.seen.append(f"tcp connection from {addr}")
            conn.close()

    def _recv(self) -> None:
        while not self.stop.is_set():
            try:
                data, addr = self.udp.recvfrom(65536)
            except OSError:
                continue
            self.seen.append(f"udp datagram from {addr}: {data[:50]!r}")

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(2)
        self.tcp.close()
        self.udp.close()
