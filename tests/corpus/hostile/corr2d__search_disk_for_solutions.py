# Hostile: searches the file system for the instructor's solutions or the hidden tests (first
# where the paths in /proc/1/cmdline and the usual places point, then a walk from /). If it
# finds a solution notebook it runs the solution's corr2d, so a leak would show up as full
# marks (and "LEAKED" in the output); if it finds nothing it returns garbage.
import json
import os
import re
import time

import torch

DEADLINE = time.monotonic() + 5.0
SKIP = {"/proc", "/sys", "/dev"}
found = {}


def _look(path):
    if "solution" in path and path.endswith(".ipynb") and "solution" not in found:
        try:
            nb = json.load(open(path))
        except (OSError, ValueError):
            return
        for cell in nb.get("cells", []):
            source = "".join(cell.get("source", []))
            if "def corr2d(" in source and "BEGIN SOLUTION" in source:
                found["solution"] = (path, source)
    if path.endswith(("hidden/convolutions.py", "autograder/grading/oracles.py", "course.yaml")):
        found.setdefault("grader", path)


def _walk(top):
    for root, dirs, files in os.walk(top):
        if time.monotonic() > DEADLINE:
            return
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in SKIP]
        for name in files:
            _look(os.path.join(root, name))


starts = ["/work", "/home", "/srv", "/opt", "/autograder", "/root", "/proc/1/cwd", "/proc/1/root", "/submission/.."]
try:
    starts += [os.path.dirname(p) for p in re.findall(r"/[\w./-]+", open("/proc/1/cmdline").read().replace("\0", " "))]
except OSError:
    pass
for top in starts + ["/"]:
    for up in (top, os.path.dirname(top), os.path.dirname(os.path.dirname(top))):
        if os.path.isdir(up) and time.monotonic() < DEADLINE:
            _walk(up)

if found:
    print("LEAKED:", {k: v if isinstance(v, str) else v[0] for k, v in found.items()})
if "solution" in found:
    exec("\n".join(l for l in found["solution"][1].splitlines() if "SOLUTION" not in l))  # noqa: S102
else:
    def corr2d(X, K):
        X.add_(1.0)  # wrong on purpose
        return torch.ones(X.shape[0] + 1, X.shape[1])
