# Hostile: replaces every comparison a grader might use (torch, torch.testing, numpy,
# numpy.testing, math, unittest) with one that always agrees, then returns garbage.
# Grading compares in the trusted parent, so the patches only fool the student's own process.
import math
import unittest

import numpy
import numpy.testing
import torch

_yes = lambda *a, **k: True  # noqa: E731
_silent = lambda *a, **k: None  # noqa: E731
torch.allclose = torch.equal = torch.Tensor.allclose = torch.Tensor.equal = _yes
torch.isclose = lambda a, b, *r, **k: torch.ones(torch.broadcast_shapes(a.shape, b.shape), dtype=torch.bool)
torch.testing.assert_close = torch.testing.assert_allclose = _silent
numpy.allclose = numpy.array_equal = math.isclose = _yes
for _name in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_almost_equal", "assert_equal"):
    setattr(numpy.testing, _name, _silent)
unittest.TestCase.assertEqual = unittest.TestCase.assertTrue = _silent


def corr2d(X, K):
    X.add_(1.0)  # wrong on purpose: modifies its input...
    return torch.ones(X.shape[0] + 1, X.shape[1])  # ...and returns the wrong shape, wrong values
