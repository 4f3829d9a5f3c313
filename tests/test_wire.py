"""Only plain data crosses the sandbox boundary; nothing is unpickled or executed."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from autograder.runtime.sandboxed import wire


def roundtrip(obj):
    return wire.decode(wire.encode(obj))


def test_plain_values_and_tensors_round_trip_exactly():
    x = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    out = roundtrip({"a": [1, 2.5, float("nan"), None, True, "s"], "t": (x, torch.Size([2, 3]))})
    assert out["a"][:2] == [1, 2.5] and out["a"][2] != out["a"][2] and out["a"][3:] == [None, True, "s"]
    t, size = out["t"]
    assert type(t) is torch.Tensor and t.dtype == torch.float64 and torch.equal(t, x)
    assert size == (2, 3) and type(size) is torch.Size
    assert type(roundtrip((1, 2))) is tuple and type(roundtrip([1, 2])) is list
    assert [type(v) for v in roundtrip([3, 3.0])] == [int, float]


def _views():
    base = torch.arange(60, dtype=torch.float64).reshape(3, 4, 5)
    return {
        "slice": base[1, 1:3, 2:],                       # storage offset, row stride 5
        "transpose": base[0].t(),
        "every other column": base[..., ::2],
        "expanded": torch.arange(4.0)[:, None].expand(4, 6),  # stride 0: one value, many places
        "permuted": base.permute(2, 0, 1),
        "empty slice": base[:, :0],
    }


@pytest.mark.parametrize("name", list(_views()))
def test_questions_carry_views_with_their_layout(name):
    """The parent's questions arrive as the same kind of view: a student handed a slice or a
    transpose must meet its strides (`.view` fails on them), exactly as in their notebook."""
    x = _views()[name]
    (got,) = wire.decode(wire.encode([x], layout=True), layout=True)
    assert type(got) is torch.Tensor and torch.equal(got, x)
    assert (got.shape, got.is_contiguous()) == (x.shape, x.is_contiguous())
    assert got.stride() == x.stride() or not x.numel()  # an empty tensor's strides mean nothing
    assert got.untyped_storage().nbytes() <= x.untyped_storage().nbytes()
    got_plain = wire.decode(wire.encode([x]))[0]  # answers: values only, contiguous
    assert torch.equal(got_plain, x) and got_plain.is_contiguous()


def test_answers_may_not_carry_a_layout():
    """A view with zero strides is a few bytes on the wire and any size once materialized: the
    parent takes values only, and a layout that reaches outside its storage is refused everywhere."""
    frame = wire.encode([torch.zeros(1).expand(10**6, 10**6)], layout=True)
    with pytest.raises(wire.WireError, match="layout"):
        wire.decode(frame)
    tree, blob = frame[8:8 + int.from_bytes(frame[:4], "little")], frame[8 + int.from_bytes(frame[:4], "little"):]
    forged = tree.replace(b'"stride": [0, 0]', b'"stride": [1, 1]')
    head = len(forged).to_bytes(4, "little") + len(blob).to_bytes(4, "little")
    with pytest.raises(wire.WireError, match="outside its storage"):
        wire.decode(head + forged + blob, layout=True)


def test_non_contiguous_and_parameter_tensors_arrive_as_plain_tensors():
    p = torch.nn.Parameter(torch.randn(3, 4))
    for out in (roundtrip([p, p.detach().t()]), wire.decode(wire.encode([p, p.detach().t()], layout=True), layout=True)):
        assert all(type(v) is torch.Tensor for v in out) and not out[0].requires_grad
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


def _nested(depth: int, leaf=1):
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("bad, said", [
    ({1, 2}, "set"),
    (np.float32(1.5), "numpy.float32"),
    (object(), "object"),
    ([0] * (wire.MAX_ITEMS + 1), "items"),
    (_nested(wire.QUESTION_DEPTH + 1), "levels deep"),
])
def test_a_question_the_grader_cannot_send_as_asked_is_refused_before_it_is_sent(bad, said):
    """The parent's questions are never squeezed to fit: the test would grade against a question it never asked."""
    with pytest.raises(wire.WireError, match=said):
        wire.frame({"op": "call", "args": [bad]}, layout=True)
    wire.frame({"op": "call", "args": [bad]})  # an answer (the child's side) is squeezed and reported instead


def test_the_childs_placeholders_may_go_back_to_it_as_placeholders():
    answer = roundtrip({"result": [{1, 2}, np.float16(2), np.ones(2)]})["result"]
    assert [type(v) for v in answer] == [wire.Foreign, wire.Foreign, wire.ArrayLike]
    back = wire.decode(wire.encode({"op": "call", "args": [answer]}, layout=True), layout=True)["args"][0]
    assert [type(v) for v in back] == [wire.Foreign] * 3 and back[0].type_name == "set"
    assert back[2].type_name == "numpy.ndarray"


def test_a_question_may_carry_the_deepest_answer_an_honest_child_sends():
    answer = roundtrip({"result": _nested(50)})["result"]  # cut at MAX_DEPTH by the child's encoder
    wire.decode(wire.encode({"op": "call", "args": [[answer]]}, layout=True), layout=True)


def _raw(tree) -> bytes:
    import json
    import struct
    header = json.dumps(tree).encode()
    return struct.pack("<II", len(header), 0) + header


@pytest.mark.parametrize("tree", [
    list(range(wire.MAX_ITEMS + 1)),
    {"__tuple__": list(range(wire.MAX_ITEMS + 1))},
    {"__dict__": [[str(i), i] for i in range(wire.MAX_ITEMS + 1)]},
    _nested(wire.MAX_DEPTH + 3),
    {"__tuple__": 5},
])
def test_a_frame_no_honest_sender_writes_is_refused(tree):
    """The child's encoder never writes these; a hand-made frame that does is garbled, not data."""
    with pytest.raises(wire.WireError):
        wire.decode(_raw(tree))
