"""Plain data across the sandbox boundary: JSON for structure, safetensors for tensors.

Nothing that crosses is ever unpickled or executed. The child reports the exact type of
what a stub returned; the trusted parent rebuilds fresh tensors from raw bytes, so a
tensor subclass, an overridden __eq__ or a __reduce__ payload has nothing to hook into.

Tensors travel with their layout when the sender asks (`encode(..., layout=True)`: the
parent's questions). A student legitimately receives slices, transposes and expanded views,
so the child rebuilds each argument as a view, with its strides and storage offset, over a
copy of the storage it needs. The other way, answers travel as plain contiguous values: the
parent refuses a layout from the child (`decode(..., layout=False)`), since a view with zero
strides is a few bytes on the wire and any size once materialized.

`torch.Size` stays a `torch.Size` (a student may be handed `X.shape[-2:]`); tuples stay
tuples, lists lists, ints ints.

The two directions differ in what a value that does not fit means. The child's answers are
squeezed to fit (a foreign object becomes a `Foreign` placeholder, long lists are cut, deep
nesting ends in a placeholder): what the student returned is reported, never trusted. The
parent's questions are the grader's own (`layout=True`): one that does not fit raises
`WireError` before a byte is written, since a question silently changed on the way would
grade the student against something the test never asked. Placeholders that came from the
child may go back to it as they are. A reader refuses frames no honest sender writes: longer
lists or deeper nesting than these limits allow (the parent's questions may nest an answer a
few levels deeper, QUESTION_DEPTH).

This module is imported on both sides and must only need the standard library, torch
and safetensors.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

MAX_FRAME = 256 * 1024 * 1024
MAX_DEPTH = 8
MAX_ITEMS = 10_000
QUESTION_DEPTH = MAX_DEPTH + 4  # a question may carry an answer (at most MAX_DEPTH + 1 deep) inside args


class WireError(ValueError):
    """A frame that is not well-formed plain data."""


@dataclass(frozen=True)
class Foreign:
    """Something that is not plain data; only its type name and a short repr come back."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


@dataclass(frozen=True)
class ArrayLike:
    """A tensor-valued object of a type other than exactly torch.Tensor (numpy, subclass)."""

    type_name: str
    tensor: torch.Tensor

    def __repr__(self) -> str:
        return f"{self.type_name}({self.tensor.tolist()!r})" if self.tensor.numel() <= 16 else f"<{self.type_name}>"


def type_name(obj: Any) -> str:
    t = type(obj)
    module = t.__module__
    return t.__qualname__ if module == "builtins" else f"{module}.{t.__qualname__}"


def _plain(tensor: torch.Tensor) -> torch.Tensor:
    """A fresh, exactly-torch.Tensor copy of the values (no subclass, no graph, on the CPU)."""
    return torch.Tensor._make_subclass(torch.Tensor, tensor.detach(), False).cpu()


def _reach(size, stride) -> int:
    """How many storage elements a view of this size and stride spans (0 when it is empty)."""
    return 1 + sum((n - 1) * st for n, st in zip(size, stride)) if all(size) else 0


def _storage(tensor: torch.Tensor) -> tuple[torch.Tensor, dict]:
    """The part of the storage `tensor` views (a 1-D copy) and how to view it again."""
    t = _plain(tensor)
    if t.is_contiguous() and t.storage_offset() == 0:
        return t.contiguous().clone(), {}
    base = torch.as_strided(t, (_reach(t.shape, t.stride()),), (1,), t.storage_offset()).clone()
    return base, {"size": list(t.shape), "stride": list(t.stride())}


def _viewed(base: torch.Tensor, node: dict) -> torch.Tensor:
    size, stride = node.get("size"), node.get("stride")
    ok = (type(size) is list and type(stride) is list and len(size) == len(stride) <= 16
          and all(type(v) is int and v >= 0 for v in size + stride) and base.dim() == 1)
    if not ok:
        raise WireError("bad tensor layout")
    if _reach(size, stride) > base.numel():
        raise WireError("tensor layout outside its storage")
    return torch.as_strided(base, size, stride, 0)


def _encode(obj: Any, tensors: dict[str, torch.Tensor], depth: int, layout: bool = False) -> Any:
    strict = layout  # the parent's question: what does not fit is the grader's bug, not a value to squeeze
    if depth > (QUESTION_DEPTH if strict else MAX_DEPTH):
        if strict:
            raise WireError(f"the grader's question is nested more than {QUESTION_DEPTH} levels deep")
        return {"__foreign__": "nesting too deep", "repr": ""}
    t = type(obj)
    if obj is None or t in (bool, int, str):
        return obj
    if t is float:
        return {"__float__": repr(obj)}  # keeps nan/inf exact
    if t is Foreign or t is ArrayLike:  # the child's own placeholders, going back as placeholders
        return {"__foreign__": obj.type_name, "repr": (obj.text if t is Foreign else repr(obj))[:200]}
    if isinstance(obj, torch.Tensor) or type_name(obj) == "numpy.ndarray":
        key = f"t{len(tensors)}"
        tensor = obj if isinstance(obj, torch.Tensor) else torch.from_numpy(obj.copy())
        name = "torch.Tensor" if t in (torch.Tensor, torch.nn.Parameter) else type_name(obj)
        if layout and isinstance(obj, torch.Tensor):
            tensors[key], view = _storage(tensor)
            return {"__tensor__": key, "type": name, **view}
        tensors[key] = _plain(tensor).contiguous().clone()
        return {"__tensor__": key, "type": name}
    if t is torch.Size:
        return {"__size__": [int(n) for n in obj]}
    if t in (list, tuple, dict) and strict and len(obj) > MAX_ITEMS:
        raise WireError(f"the grader's question holds a {t.__name__} of {len(obj)} items (at most {MAX_ITEMS} cross)")
    if t in (list, tuple):
        items = [_encode(x, tensors, depth + 1, layout) for x in list(obj)[:MAX_ITEMS]]
        return items if t is list else {"__tuple__": items}
    if t is dict:
        return {"__dict__": [[str(k), _encode(v, tensors, depth + 1, layout)] for k, v in list(obj.items())[:MAX_ITEMS]]}
    if strict:
        raise WireError(f"the grader's question holds a {type_name(obj)}, which is not plain data")
    # numpy scalars and other numbers: report the type, keep the value.
    if hasattr(obj, "item") and type(obj).__module__ == "numpy":
        return {"__numpy_scalar__": type_name(obj), "value": _encode(obj.item(), tensors, depth + 1)}
    try:
        text = repr(obj)[:200]
    except BaseException:  # noqa: BLE001 - a hostile __repr__ must not break encoding
        text = "?"
    return {"__foreign__": type_name(obj), "repr": text}


def encode(obj: Any, layout: bool = False) -> bytes:
    """`layout`: tensors keep their strides and storage offset (the parent's questions only)."""
    tensors: dict[str, torch.Tensor] = {}
    tree = _encode(obj, tensors, 0, layout)
    header = json.dumps(tree).encode()
    blob = st_save(tensors) if tensors else b""
    return struct.pack("<II", len(header), len(blob)) + header + blob


def _decode(node: Any, tensors: dict[str, torch.Tensor], layout: bool = False, depth: int = 0) -> Any:
    if node is None or type(node) in (bool, int, str):
        return node
    # Depth counted as the encoder counts it; a placeholder for "too deep" sits one level below MAX_DEPTH.
    if depth > (QUESTION_DEPTH if layout else MAX_DEPTH + 1):
        raise WireError("nested deeper than any sender may write")
    if type(node) is list:
        return [_decode(x, tensors, layout, depth + 1) for x in _items(node)]
    if type(node) is not dict:
        raise WireError(f"unexpected JSON node {type(node).__name__}")
    if "__float__" in node:
        return float(node["__float__"])
    if "__tensor__" in node:
        tensor = tensors.get(node["__tensor__"])
        if tensor is None:
            raise WireError("tensor reference without data")
        if "size" in node or "stride" in node:
            if not layout:
                raise WireError("a tensor layout where only values are accepted")
            tensor = _viewed(tensor, node)
        name = str(node.get("type", "?"))
        return tensor if name == "torch.Tensor" else ArrayLike(name, tensor)
    if "__size__" in node:
        dims = node["__size__"]
        if type(dims) is not list or len(dims) > 64 or any(type(n) is not int or n < 0 for n in dims):
            raise WireError("bad torch.Size")
        return torch.Size(dims)
    if "__tuple__" in node:
        return tuple(_decode(x, tensors, layout, depth + 1) for x in _items(node["__tuple__"]))
    if "__dict__" in node:
        return {str(k): _decode(v, tensors, layout, depth + 1) for k, v in _items(node["__dict__"])}
    if "__numpy_scalar__" in node:
        return Foreign(str(node["__numpy_scalar__"]), repr(_decode(node.get("value"), tensors, depth=depth + 1)))
    if "__foreign__" in node:
        return Foreign(str(node["__foreign__"]), str(node.get("repr", ""))[:200])
    raise WireError(f"unknown node keys {sorted(node)[:5]}")


def _items(node: Any) -> list:
    if type(node) is not list:
        raise WireError(f"a list expected, not {type(node).__name__}")
    if len(node) > MAX_ITEMS:
        raise WireError(f"{len(node)} items, more than any sender may write ({MAX_ITEMS})")
    return node


def decode(frame: bytes, layout: bool = False) -> Any:
    """`layout`: accept tensors as views with their strides (the child reading the parent's questions)."""
    if len(frame) < 8:
        raise WireError("short frame")
    n_header, n_blob = struct.unpack("<II", frame[:8])
    if 8 + n_header + n_blob != len(frame):
        raise WireError("frame length mismatch")
    try:
        tree = json.loads(frame[8 : 8 + n_header])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WireError(f"bad JSON: {exc}") from None
    except RecursionError:
        raise WireError("JSON nested too deep") from None
    try:
        tensors = st_load(frame[8 + n_header :]) if n_blob else {}
    except Exception as exc:  # safetensors raises its own error types
        raise WireError(f"bad tensor data: {exc}") from None
    try:
        return _decode(tree, tensors, layout)
    except RecursionError:
        raise WireError("data nested too deep") from None


def frame(obj: Any, layout: bool = False) -> bytes:
    """One frame as it goes on the pipe: its length, then the payload."""
    payload = encode(obj, layout)
    return struct.pack("<Q", len(payload)) + payload


def write_frame(stream: BinaryIO, obj: Any) -> None:
    stream.write(frame(obj))
    stream.flush()


class FrameTooLarge(WireError):
    """The other side announced more bytes than the reader will take: nothing of it is read."""


def read_frame(stream: BinaryIO, limit: int | Callable[[], int] = MAX_FRAME, layout: bool = False) -> Any:
    """Read one frame; EOFError when the other side is gone. `limit` (or a function giving it, read
    when the frame's length arrives) caps its size before a byte of the payload is read."""
    head = _read_exact(stream, 8)
    (size,) = struct.unpack("<Q", head)
    most = limit() if callable(limit) else limit
    if size > most:
        raise FrameTooLarge(f"a message of {size} bytes, more than the {most} this request may send back")
    return decode(_read_exact(stream, size), layout)


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks, remaining = [], n
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError("stream closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
