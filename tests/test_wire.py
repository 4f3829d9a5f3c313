"""Only plain data crosses the sandbox boundary; nothing is unpickled or executed."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from autograder.sandboxed import wire


def roundtrip(obj):
    return wire.decode(wire.encode(obj))


def test_plain_values_and_tensors_round_trip_exactly():
    x = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    out = roundtrip({"a": [1, 2.5, float("nan"), None, True, "s"], "t": (x, torch.Size([2, 3]))})
    assert out["a"][:2] == [1, 2.5] and out["a"][2] != out["a"][2] and out["a"][3:] == [None, True, "s"]
    t, size = out["t"]
    assert type(t) is torch.Tensor and t.dtype == torch.float64 and torch.equal(t, x)
    assert size == (2, 3) and type(size) is tuple


def test_non_contiguous_and_parameter_tensors_arrive_as_plain_tensors():
    p = torch.nn.Parameter(torch.randn(3, 4))
    out = roundtrip([p, p.detach().t()])
    assert all(type(v) is torch.Tensor for v in out)
    assert torch.equal(out[1], p.detach().t())


def test_numpy_arrays_and_subclasses_keep_their_type_name():
    class Sneaky(torch.Tensor):
        pass

    out = roundtrip([np.ones((2, 2)), torch.ones(2).as_subclass(Sneaky)])
    assert isinstance(out[0], wire.ArrayLike) and out[0].type_name == "numpy.ndarray"
    assert isinstance(out[1], wire.ArrayLike) and "Sneaky" in out[1].type_name


class Payload:
    def __reduce__(self):
        return (exec, ("raise SystemExit('pwned')",))


def test_objects_with_reduce_come_back_as_inert_descriptions():
    out = roundtrip({"x": Payload()})
    assert isinstance(out["x"], wire.Foreign) and out["x"].type_name.endswith("Payload")


def test_a_pickle_frame_is_rejected_not_loaded():
    frame = pickle.dumps(Payload())
    with pytest.raises(wire.WireError):
        wire.decode(frame)
    forged = wire.struct.pack("<II", len(frame), 0) + frame
    with pytest.raises(wire.WireError):
        wire.decode(forged)


def test_hostile_repr_does_not_break_encoding():
    class Loud:
        def __repr__(self):
            raise RuntimeError("no")

    assert isinstance(roundtrip(Loud()), wire.Foreign)
