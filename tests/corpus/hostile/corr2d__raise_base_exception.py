# Hostile: corr2d raises exceptions that are not Exceptions (a bare BaseException subclass,
# SystemExit, KeyboardInterrupt, GeneratorExit), hoping to escape the child's handlers or
# hypothesis and stop grading early.
import torch

_calls = [0]


class Escape(BaseException):
    pass


def corr2d(X, K):
    _calls[0] += 1
    X.add_(1.0)  # wrong on purpose
    kinds = (Escape("grading is over"), SystemExit(0), KeyboardInterrupt(), GeneratorExit(), BaseException("bare"))
    raise kinds[_calls[0] % len(kinds)]
