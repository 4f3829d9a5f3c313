"""Mutants of one stub's reference solution: the wrong answers the hidden tests must reject.

`generate(source, stub)` takes one solution cell (markers stripped) and returns `Mutant`s, each
the whole cell with one fault of a kind students make in this chapter (`FAULT_KINDS`): an
off-by-one output size, swapped axes, a flipped kernel, max for mean, a wrong default, padding
on one side, a stride ignored, an input changed in place, a dropped bias or activation, a lost
dtype, a swapped operator or comparison, a dropped statement.

Why no existing engine. mutmut 3 copies a whole project into `mutants/`, rewrites every
function into a trampoline switched by an environment variable and runs pytest itself, keeping
its results in files beside the copy; cosmic-ray discovers a module on disk, records its
mutation sites in a session database and runs a test command per mutant. Both assume that the
code under test is an importable file and that the tool owns the test run. Here the code is
one cell of a notebook, and the run belongs to our grader: the mutant must replace one stub
in a loaded notebook and go through the sandbox like a student's answer. Their operators are
also generic (a number plus one, a string changed to "XX...XX", a keyword swapped), while an
audit of this chapter needs faults with a meaning in it (shape[0] for shape[1], K for its
flip, a stride of 1). Their operator APIs are internal and tied to their node types (libcst
for mutmut, parso for cosmic-ray), so reusing one means depending on a private module and
still writing the chapter's operators by hand. What we reuse is their model: an operator finds
sites and rewrites one at a time, the classic set of arithmetic and comparison swaps and
statement deletion, and mutmut's habit of showing each mutant as a diff.

Why the stdlib `ast` and not libcst. libcst would keep formatting for free, but is a new
dependency for one job. `ast` gives every node its exact source span, so each mutant here is
the original text with only the changed span spliced in (formatting, comments and docstrings
elsewhere untouched, and diffs as readable as a codemod's). The splice is checked against the
mutated tree: the text must parse to it (`ast.dump`), else the span is parenthesised, else the
whole cell is `ast.unparse`d; so every mutant compiles and differs from the original.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

FAULT_KINDS: tuple[str, ...] = (
    "off_by_one",         # an output size, a range bound or a slice bound one out
    "swapped_axes",       # height for width: shape indices, dims, reshape/permute, unpacked pairs
    "flipped_kernel",     # the kernel used flipped (convolution for cross-correlation)
    "reduction_swap",     # max <-> mean, sum <-> mean, max <-> min, avg <-> max pooling
    "wrong_default",      # a default argument value changed
    "padding",            # padding counted once, applied on one side, or dropped
    "stride_ignored",     # a stride taken as 1 in one place
    "inplace_input",      # an input argument modified in place, or no longer copied
    "dropped_call",       # a bias, activation, normalisation or residual addition left out
    "wrong_dtype",        # a dtype fixed to float32, a cast removed, int <-> float
    "arithmetic_swap",    # + <-> -, * <-> /, // -> /
    "comparison_swap",    # < <-> <=, > <-> >=, == <-> !=, in <-> not in, is <-> is not
    "dropped_statement",  # one statement removed
)


@dataclass(frozen=True)
class Mutant:
    stub: str          # the stub name
    operator: str      # the operator that made it, e.g. "off_by_one"
    kind: str          # the fault kind it models, one of FAULT_KINDS
    line: int          # 1-based line in the original source
    description: str   # one line for an instructor: "range(h - k + 1) -> range(h - k)"
    source: str        # the whole mutated cell source, valid Python

    @property
    def key(self) -> str:
        """A stable name for reports: stub, operator, line and a hash of the mutated source."""
        digest = hashlib.sha1(self.source.encode()).hexdigest()[:8]
        return f"{self.stub}/{self.operator}/L{self.line}/{digest}"

    def diff(self, original: str, context: int = 2) -> str:
        """A unified diff from the original cell source to this mutant."""
        return "\n".join(difflib.unified_diff(
            original.splitlines(), self.source.splitlines(), lineterm="", n=context,
            fromfile=f"{self.stub} (reference)", tofile=f"{self.stub} ({self.operator}: {self.description})"))


# ---------------------------------------------------------------------------------------------
# The cell: its tree, where each node sits in the text, and how a change becomes a mutant.


def _parseable(source: str) -> str:
    """The source with IPython-only lines commented out, as notebook.runnable_source does, but
    keeping every line where it is so that node positions index the original text."""
    return "\n".join(("# " + line) if line.lstrip().startswith(("%", "!")) else line
                     for line in source.split("\n"))


def _dump(text: str) -> str | None:
    try:
        return ast.dump(ast.parse(_parseable(text)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


_SHARED = (ast.expr_context, ast.operator, ast.cmpop, ast.boolop, ast.unaryop)


@dataclass
class _Change:
    anchor: ast.AST               # the node whose span is rewritten (an expression or a statement)
    new: str | None               # its new text; None deletes the statement
    context: ast.AST | None = None                           # the span the description shows
    tree_edit: Callable[[ast.AST], ast.AST] | None = None  # the copied anchor -> its replacement
    description: str | None = None


class _Cell:
    def __init__(self, source: str):
        self.source = source
        self._parseable = _parseable(source)
        self.tree = ast.parse(self._parseable)
        self.dump = ast.dump(self.tree)
        self._lines = source.split("\n")
        self._starts: list[int] = []
        pos = 0
        for line in self._lines:
            self._starts.append(pos)
            pos += len(line) + 1
        self.parent: dict[int, tuple[ast.AST, str, int | None]] = {}
        self.nodes: list[ast.AST] = []
        self._index(self.tree)

    def _index(self, node: ast.AST) -> None:
        self.nodes.append(node)
        for field, value in ast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                if isinstance(item, ast.AST) and not isinstance(item, _SHARED):
                    self.parent[id(item)] = (node, field, i if isinstance(value, list) else None)
                    self._index(item)

    # where things are
    def pos(self, lineno: int, col: int) -> int:
        line = self._lines[lineno - 1]
        return self._starts[lineno - 1] + len(line.encode()[:col].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.pos(node.lineno, node.col_offset), self.pos(node.end_lineno, node.end_col_offset)

    def text(self, node: ast.AST) -> str:
        s, e = self.span(node)
        return self.source[s:e]

    def up(self, node: ast.AST) -> ast.AST | None:
        return self.parent.get(id(node), (None,))[0]

    def function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        node = self.up(node)
        while node is not None and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node = self.up(node)
        return node

    def params(self, node: ast.AST) -> set[str]:
        fn = self.function(node)
        if fn is None:
            return set()
        a = fn.args
        names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
        names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
        return set(names)

    def _path(self, node: ast.AST) -> list[tuple[str, int | None]]:
        path = []
        while id(node) in self.parent:
            parent, field, index = self.parent[id(node)]
            path.append((field, index))
            node = parent
        return path[::-1]

    # building the text of a change
    def within(self, anchor: ast.AST, *edits: tuple[int, int, str]) -> str:
        """The anchor's text with absolute spans (start, end, replacement) replaced."""
        s, e = self.span(anchor)
        out = self.source[s:e]
        for a, b, repl in sorted(edits, reverse=True):
            out = out[:a - s] + repl + out[b - s:]
        return out

    def swap(self, anchor: ast.AST, x: ast.AST, y: ast.AST) -> str:
        (xs, xe), (ys, ye) = self.span(x), self.span(y)
        return self.within(anchor, (xs, xe, self.text(y)), (ys, ye, self.text(x)))

    def atom(self, node: ast.AST) -> str:
        """The node's text, parenthesised unless it binds tighter than any operator."""
        t = self.text(node)
        if isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.List, ast.Dict,
                             ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)):
            return t
        if isinstance(node, ast.Constant) and not (isinstance(node.value, (int, float)) and node.value < 0):
            return t
        if isinstance(node, ast.Tuple) and t.startswith("("):
            return t
        return f"({t})"

    def gap_op(self, left: ast.AST, right: ast.AST, old: str, new: str, anchor: ast.AST) -> str | None:
        """The anchor's text with the operator token between two operands replaced."""
        a, b = self.span(left)[1], self.span(right)[0]
        gap = self.source[a:b]  # only brackets, blanks and the operator itself (the node says which)
        if old[0].isalpha():  # in, not in, is, is not
            m = re.search(r"\b" + r"\s+".join(old.split()) + r"\b", gap)
        else:
            m = re.search(re.escape(old), gap)
        if m is None:
            return None
        return self.within(anchor, (a + m.start(), a + m.end(), new))

    # realising a change
    def realise(self, change: _Change) -> tuple[str, str, int, str] | None:
        """(mutated source, its dump, line, description), or None if the change is a no-op."""
        tree = ast.parse(self._parseable)  # a fresh copy, several times faster than deepcopy
        holder: ast.AST = tree
        path = self._path(change.anchor)
        for field, index in path[:-1]:
            value = getattr(holder, field)
            holder = value[index] if index is not None else value
        field, index = path[-1]
        anchor = change.anchor
        s, e = self.span(anchor)
        parenthesise = False
        if change.new is None:  # delete a statement
            seq = getattr(holder, field)
            del seq[index]
            first, last = self._lines[anchor.lineno - 1], self._lines[anchor.end_lineno - 1]
            s0, e0 = self.pos(anchor.lineno, anchor.col_offset), self.pos(anchor.end_lineno, anchor.end_col_offset)
            head = first[:s0 - self._starts[anchor.lineno - 1]]
            tail = last[e0 - self._starts[anchor.end_lineno - 1]:]
            whole_lines = not head.strip() and (not tail.strip() or tail.strip().startswith("#"))
            s = self._starts[anchor.lineno - 1]
            e = self._starts[anchor.end_lineno] if anchor.end_lineno < len(self._lines) else len(self.source)
            replacement = "" if whole_lines else None
            elif_branch = field == "orelse" and self.source[s0:s0 + 4] == "elif"
            if not seq and not elif_branch:  # an `elif` goes whole; an emptied body gets a `pass`
                seq.append(ast.Pass())
                replacement = head + "pass\n" if whole_lines else None
                if whole_lines and e == len(self.source) and not self.source.endswith("\n"):
                    replacement = head + "pass"
        else:
            if change.tree_edit is not None:
                copied = getattr(holder, field)[index] if index is not None else getattr(holder, field)
                new_node = change.tree_edit(copied)
            else:
                try:
                    new_node = ast.parse("(\n" + change.new + "\n)", mode="eval").body
                except SyntaxError:
                    return None
                ctx = getattr(anchor, "ctx", None)
                if isinstance(ctx, (ast.Store, ast.Del)):
                    _set_ctx(new_node, type(ctx))
            if index is not None:
                getattr(holder, field)[index] = new_node
            else:
                setattr(holder, field, new_node)
            replacement = change.new
            parenthesise = isinstance(anchor, ast.expr)
        expected = ast.dump(tree)
        if expected == self.dump:
            return None
        text = None
        if replacement is not None:
            for repl in [replacement] + ([f"({replacement})"] if parenthesise else []):
                candidate = self.source[:s] + repl + self.source[e:]
                if _dump(candidate) == expected:
                    text = candidate
                    break
        if text is None:  # the splice does not give the mutated tree: print the whole cell
            text = ast.unparse(ast.fix_missing_locations(tree))
            if _dump(text) != expected:
                return None
            line = anchor.lineno
        else:
            first_diff = next((i for i, (a, b) in enumerate(zip(self.source, text)) if a != b),
                              min(len(self.source), len(text)))
            line = self.source.count("\n", 0, max(first_diff, s)) + 1 if change.new is not None else anchor.lineno
        try:
            compile(_parseable(text), "<mutant>", "exec")
        except (SyntaxError, ValueError):
            return None
        return text, expected, line, change.description or self.describe(change, s, e)

    def describe(self, change: _Change, s: int, e: int) -> str:
        def flat(t: str) -> str:
            return " ".join(t.split())

        if change.new is None:
            stmt = flat(self._lines[change.anchor.lineno - 1])
            more = " ..." if change.anchor.end_lineno > change.anchor.lineno else ""
            return f"{stmt}{more} -> (removed)"
        context = change.context
        if context is None:
            context = change.anchor
            while len(flat(self.text(context))) < 16:
                up = self.up(context)
                if not isinstance(up, (ast.expr, ast.keyword)) or not hasattr(up, "lineno"):
                    break
                context = up
            up = self.up(context)
            if isinstance(context, ast.Attribute) and isinstance(up, ast.Call) and up.func is context:
                context = up  # (window / K).sum -> (window / K).sum()
        cs, ce = self.span(context)
        if cs > s or ce < e:
            cs, ce = s, e
        before = flat(self.source[cs:ce])
        after = flat(self.source[cs:s] + change.new + self.source[e:ce])
        if len(before) > 90 and (cs, ce) != (s, e):
            before, after = flat(self.source[s:e]), flat(change.new)
        return f"{before} -> {after}"


def _set_ctx(node: ast.AST, ctx: type) -> None:
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Starred, ast.Tuple, ast.List)):
        node.ctx = ctx()
    if isinstance(node, (ast.Tuple, ast.List)):
        for elt in node.elts:
            _set_ctx(elt, ctx)
    if isinstance(node, ast.Starred):
        _set_ctx(node.value, ctx)


# ---------------------------------------------------------------------------------------------
# Small readers of the tree.


def _int(node: ast.AST | None) -> int | None:
    """The value of an int literal, `-1` included; None for anything else (bools too)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int(node.operand)
        return None if inner is None else -inner
    return None


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _method(call: ast.AST) -> str | None:
    """The attribute name a call goes through (`X.max()` -> "max", `F.relu(x)` -> "relu")."""
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


_LIBRARIES = {"torch", "np", "numpy", "F", "nn", "torch.nn", "torch.nn.functional", "nn.functional"}


def _library_call(call: ast.AST) -> bool:
    """torch.max(...), F.relu(...): a function of a library, not a method of a value."""
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and _dotted(call.func.value) in _LIBRARIES


def _axis_swap(i: int) -> int:
    """0 <-> 1, 2 <-> 3, -1 <-> -2, -3 <-> -4."""
    return i ^ 1 if i >= 0 else -((-i - 1) ^ 1) - 1


_TENSOR_PARAMS = {"x", "input", "inputs", "img", "imgs", "images", "tensor", "batch", "features"}


def _tensorish(name: str) -> bool:
    """A parameter name that holds a tensor by this chapter's conventions (X, K, Y, x)."""
    return name[:1].isupper() or name in _TENSOR_PARAMS


def _param_root(cell: _Cell, node: ast.AST) -> str | None:
    """The tensor parameter a value is (a view of): `X`, `X[i:i + h, j:j + w]`; else None."""
    while isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name) and node.id in cell.params(node) and node.id != "self" and _tensorish(node.id):
        return node.id
    return None


_KERNEL_NAMES = {"K", "kernel", "weight", "W", "filt", "filters"}
_PAD = re.compile(r"^(p|p_[hw]|pad|pad_[hw]|padding|padding_[hw])$")
_STRIDE = re.compile(r"^(s|s_[hw]|stride|stride_[hw]|strides)$")


def _kernelish(node: ast.AST, lowercase: bool = False) -> bool:
    if isinstance(node, ast.Name):
        return node.id in _KERNEL_NAMES or (lowercase and node.id in {"k", "w_k"})
    return isinstance(node, ast.Attribute) and node.attr in {"weight", "kernel"}


def _padish(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and bool(_PAD.match(node.id))) or (
        isinstance(node, ast.Attribute) and node.attr == "padding")


def _strideish(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and bool(_STRIDE.match(node.id))) or (
        isinstance(node, ast.Attribute) and node.attr == "stride")


def _keywords(cell: _Cell, name: str) -> Iterator[tuple[ast.Call, ast.keyword]]:
    for node in cell.nodes:
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == name:
                    yield node, kw


def _delete_arg(cell: _Cell, call: ast.Call, i: int) -> str:
    """The call's text with its i-th positional argument (and one comma) removed."""
    args = call.args
    if i > 0:
        return cell.within(call, (cell.span(args[i - 1])[1], cell.span(args[i])[1], ""))
    if len(args) > 1:
        return cell.within(call, (cell.span(args[0])[0], cell.span(args[1])[0], ""))
    return cell.within(call, (cell.span(args[0])[0], cell.span(args[0])[1], ""))


# ---------------------------------------------------------------------------------------------
# The operators. Each yields changes in the order of the source; `generate` realises them.

_OPERATORS: list[tuple[str, str, Callable[[_Cell], Iterable[_Change]]]] = []


def _operator(name: str, kind: str):
    assert kind in FAULT_KINDS

    def register(fn):
        _OPERATORS.append((name, kind, fn))
        return fn
    return register


@_operator("off_by_one", "off_by_one")
def _off_by_one(cell: _Cell) -> Iterator[_Change]:
    for node in cell.nodes:
        # range(n - k + 1) -> range(n - k), range(n - k + 2); range(n) -> range(n - 1), range(n + 1)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            for arg in node.args:
                if not (isinstance(arg, ast.BinOp) and isinstance(arg.op, (ast.Add, ast.Sub)) and _int(arg.right) == 1):
                    yield _Change(arg, f"{cell.atom(arg)} - 1", context=node)
                    yield _Change(arg, f"{cell.atom(arg)} + 1", context=node)
        # n - k + 1 -> n - k, n - k + 2 (output sizes and any other +-1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and _int(node.right) == 1:
            context = cell.up(node)
            context = context if isinstance(context, ast.Call) and _dotted(context.func) == "range" else None
            yield _Change(node, cell.text(node.left), context=context)
            yield _Change(node, cell.within(node, (*cell.span(node.right), "2")), context=context)
        # x[i:i + h] -> x[i:i + h - 1], x[i:i + h + 1]; X.shape[-2:] -> X.shape[-3:], X.shape[-1:]
        if isinstance(node, ast.Subscript):
            slices = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            for sl in slices:
                if not isinstance(sl, ast.Slice):
                    continue
                for bound in (sl.lower, sl.upper):
                    value = _int(bound)
                    if value is not None:
                        for new in (value - 1, value + 1):
                            if (new < 0) == (value < 0):  # X[0:2] -> X[-1:2] is not a slip of one
                                yield _Change(bound, str(new), context=node)
                if isinstance(sl.upper, ast.BinOp) and isinstance(sl.upper.op, ast.Add) and _int(sl.upper.right) is None:
                    for delta in (" - 1", " + 1"):
                        yield _Change(sl.upper, cell.text(sl.upper) + delta, context=node)


_DIM_METHODS = {"sum", "mean", "amax", "amin", "max", "min", "argmax", "argmin", "softmax",
                "log_softmax", "cumsum", "prod", "std", "var", "unsqueeze", "squeeze", "size"}


@_operator("swapped_axes", "swapped_axes")
def _swapped_axes(cell: _Cell) -> Iterator[_Change]:
    for node in cell.nodes:
        # X.shape[0] -> X.shape[1]; X.shape[-2] -> X.shape[-1]
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape":
            value = _int(node.slice)
            if value is not None:
                yield _Change(node.slice, str(_axis_swap(value)))
        # Y[i, j] -> Y[j, i]; X[i:i + h, j:j + w] -> X[j:j + w, i:i + h]
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple):
            elts = [e for e in node.slice.elts if not (isinstance(e, ast.Constant) and e.value is Ellipsis)]
            if len(elts) >= 2 and cell.text(elts[-2]) != cell.text(elts[-1]):
                yield _Change(node, cell.swap(node, elts[-2], elts[-1]))
        if isinstance(node, ast.Call):
            method = _method(node)
            # dim=1 -> dim=0; dim=(-2, -1) -> dim=-1 and dim=-2 (one axis only)
            for kw in node.keywords:
                if kw.arg in ("dim", "axis", "dims"):
                    value = _int(kw.value)
                    if value is not None:
                        yield _Change(kw.value, str(_axis_swap(value)), context=node)
                    elif isinstance(kw.value, ast.Tuple) and len(kw.value.elts) >= 2:
                        for i in range(len(kw.value.elts)):
                            rest = [cell.text(e) for j, e in enumerate(kw.value.elts) if j != i]
                            yield _Change(kw.value, rest[0] if len(rest) == 1 else f"({', '.join(rest)})", context=node)
            # x.sum(1) -> x.sum(0); torch.stack(xs, 0) -> torch.stack(xs, 1)
            positional = None
            if method in ("stack", "cat", "concat") and _library_call(node) and len(node.args) >= 2:
                positional = node.args[1]
            elif method in _DIM_METHODS and not _library_call(node) and node.args:
                positional = node.args[0]
            if positional is not None and _int(positional) is not None:
                yield _Change(positional, str(_axis_swap(_int(positional))), context=node)
            # x.permute(0, 2, 1) -> x.permute(2, 0, 1); x.reshape((c, h * w)) -> x.reshape((h * w, c))
            if method in ("permute", "reshape", "view") and not _library_call(node):
                elts = node.args
                if len(elts) == 1 and isinstance(elts[0], (ast.Tuple, ast.List)):
                    elts = elts[0].elts
                for a, b in zip(elts, elts[1:]):
                    if cell.text(a) != cell.text(b) and not isinstance(a, ast.Starred) and not isinstance(b, ast.Starred):
                        yield _Change(node, cell.swap(node, a, b))
            # x.transpose(-2, -1) -> x; torch.transpose(x, 0, 1) -> x
            if method in ("transpose", "swapaxes", "t"):
                if _library_call(node) and node.args:
                    yield _Change(node, cell.atom(node.args[0]))
                elif not _library_call(node):
                    yield _Change(node, cell.atom(node.func.value))
        if isinstance(node, ast.Attribute) and node.attr in ("T", "mT") and isinstance(node.ctx, ast.Load):
            yield _Change(node, cell.atom(node.value))
        # h, w = K.shape -> w, h = K.shape; (n_h, n_w), (k_h, k_w) = pair(n), pair(k) -> (n_w, n_h), ...
        # Not where the value is a literal tuple too (`a, b = 0, 0`): that swaps values, not axes.
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            stack = [(node.targets[0], node.value)]
            while stack:
                target, value = stack.pop(0)
                if not isinstance(target, (ast.Tuple, ast.List)):
                    continue
                literal = isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts)
                if not literal:
                    for a, b in zip(target.elts, target.elts[1:]):
                        if isinstance(a, ast.Name) and isinstance(b, ast.Name):
                            yield _Change(target, cell.swap(target, a, b), context=node)
                stack.extend((t, value.elts[i] if literal else None) for i, t in enumerate(target.elts))


@_operator("flipped_kernel", "flipped_kernel")
def _flipped_kernel(cell: _Cell) -> Iterator[_Change]:
    for node in cell.nodes:
        # (window * K).sum() -> (window * K.flip(-2, -1)).sum()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for kernel, other in ((node.right, node.left), (node.left, node.right)):
                if _kernelish(kernel) and isinstance(other, (ast.Subscript, ast.Name)) and not _kernelish(other):
                    yield _Change(kernel, f"{cell.atom(kernel)}.flip(-2, -1)", context=node)
        # f(x, self.weight) -> f(x, self.weight.flip(-2, -1))
        if isinstance(node, ast.Call):
            name = (_dotted(node.func) or "").rsplit(".", 1)[-1]
            if not name[:1].isupper() and ("corr" in name.lower() or name in ("conv1d", "conv2d", "conv3d")):
                for arg in node.args[1:] + [kw.value for kw in node.keywords if kw.arg in ("weight", "K", "kernel")]:
                    if _kernelish(arg, lowercase=True):
                        yield _Change(arg, f"{cell.atom(arg)}.flip(-2, -1)", context=node)


_REDUCTIONS = {"max": ("mean", "min"), "amax": ("mean", "amin"), "min": ("max",), "amin": ("amax",),
               "sum": ("mean",), "mean": ("sum", "max")}
_POOLS = {"AvgPool1d": "MaxPool1d", "AvgPool2d": "MaxPool2d", "AvgPool3d": "MaxPool3d",
          "AdaptiveAvgPool1d": "AdaptiveMaxPool1d", "AdaptiveAvgPool2d": "AdaptiveMaxPool2d",
          "avg_pool1d": "max_pool1d", "avg_pool2d": "max_pool2d", "adaptive_avg_pool2d": "adaptive_max_pool2d"}
_POOLS.update({v: k for k, v in list(_POOLS.items())})


@_operator("reduction_swap", "reduction_swap")
def _reduction_swap(cell: _Cell) -> Iterator[_Change]:
    def rename(attr: ast.Attribute, new: str) -> _Change:
        text = cell.text(attr)
        return _Change(attr, text[: len(text) - len(attr.attr)] + new, context=cell.up(attr))

    for node in cell.nodes:
        if not isinstance(node, ast.Call):
            continue
        method = _method(node)
        if method in _REDUCTIONS and (not _library_call(node) or _dotted(node.func.value) in ("torch", "np", "numpy")):
            for new in _REDUCTIONS[method]:
                tuple_dims = any(isinstance(kw.value, ast.Tuple) for kw in node.keywords if kw.arg in ("dim", "axis"))
                if method == "mean" and new == "max" and tuple_dims:
                    new = "amax"  # max() takes one dim
                yield rename(node.func, new)
        elif method in _POOLS and _library_call(node):
            yield rename(node.func, _POOLS[method])
        elif isinstance(node.func, ast.Name) and node.func.id in ("max", "min") and node.func.id not in cell.params(node):
            yield _Change(node.func, "min" if node.func.id == "max" else "max", context=node)


@_operator("wrong_default", "wrong_default")
def _wrong_default(cell: _Cell) -> Iterator[_Change]:
    for fn in cell.nodes:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        a = fn.args
        positional = a.posonlyargs + a.args
        pairs = list(zip(positional[len(positional) - len(a.defaults):], a.defaults))
        pairs += [(arg, d) for arg, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
        strings = sorted({n.value for n in ast.walk(fn) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                          and re.fullmatch(r"[A-Za-z_][\w-]{0,20}", n.value)})
        for arg, default in pairs:
            old = cell.text(default)
            news: list[str] = []
            if isinstance(default, ast.Constant) and isinstance(default.value, bool):
                news = [str(not default.value)]
            elif _int(default) is not None:
                value = _int(default)
                news = [str(value + 1)] + ([str(value - 1)] if value > 0 else [])
            elif isinstance(default, ast.Constant) and isinstance(default.value, float):
                news = [repr(round(default.value * 2, 12))] + (["0.0"] if default.value else ["1.0"])
            elif isinstance(default, ast.Constant) and isinstance(default.value, str):
                quote = old[0] if old[:1] in ("'", '"') else "'"
                news = [f"{quote}{s}{quote}" for s in strings if s != default.value][:2]
            elif isinstance(default, ast.Constant) and default.value is None:
                news = ["1"]
            for new in news:
                yield _Change(default, new, description=f"{arg.arg}={old} -> {arg.arg}={new}")


@_operator("padding_once", "padding")
def _padding_once(cell: _Cell) -> Iterator[_Change]:
    # n + 2 * p -> n + p
    for node in cell.nodes:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for two, pad in ((node.left, node.right), (node.right, node.left)):
                if _int(two) == 2 and _padish(pad):
                    yield _Change(node, cell.text(pad), context=cell.up(node) if isinstance(cell.up(node), ast.BinOp) else None)


@_operator("padding_one_side", "padding")
def _padding_one_side(cell: _Cell) -> Iterator[_Change]:
    for node in cell.nodes:
        # X_padded[p:p + n] = X -> X_padded[:n] = X (all the padding after the input)
        if isinstance(node, ast.Subscript):
            slices = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            for sl in slices:
                if (isinstance(sl, ast.Slice) and _padish(sl.lower) and isinstance(sl.upper, ast.BinOp)
                        and isinstance(sl.upper.op, ast.Add) and ast.dump(sl.upper.left) == ast.dump(sl.lower)):
                    yield _Change(node, cell.within(node, (cell.span(sl.lower)[0], cell.span(sl.upper)[1],
                                                           ":" + cell.text(sl.upper.right))))
        # F.pad(x, (l, r, t, b)) -> F.pad(x, (0, r, 0, b))
        if isinstance(node, ast.Call) and _method(node) == "pad" and len(node.args) >= 2 and isinstance(node.args[1], ast.Tuple):
            elts = node.args[1].elts
            edits = [(*cell.span(e), "0") for e in elts[0::2] if _int(e) != 0]
            if edits:
                yield _Change(node.args[1], cell.within(node.args[1], *edits), context=node)


@_operator("padding_dropped", "padding")
def _padding_dropped(cell: _Cell) -> Iterator[_Change]:
    # nn.Conv2d(..., padding=2) -> nn.Conv2d(..., padding=0)
    for call, kw in _keywords(cell, "padding"):
        if _int(kw.value) != 0:
            yield _Change(kw.value, "0", context=kw)


@_operator("stride_ignored", "stride_ignored")
def _stride_ignored(cell: _Cell) -> Iterator[_Change]:
    for node in cell.nodes:
        # i * s_h -> i;  (n - k) // s_h -> (n - k)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for stride, other in ((node.right, node.left), (node.left, node.right)):
                if _strideish(stride):
                    yield _Change(node, cell.text(other))
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.FloorDiv, ast.Div)) and _strideish(node.right):
            yield _Change(node, cell.text(node.left), context=cell.up(node) if isinstance(cell.up(node), ast.BinOp) else None)
    # nn.Conv2d(..., stride=stride) -> nn.Conv2d(..., stride=1)
    for call, kw in _keywords(cell, "stride"):
        if _int(kw.value) != 1 and not (isinstance(kw.value, ast.Constant) and kw.value.value is None):
            yield _Change(kw.value, "1", context=kw)


_INPLACE_OPS = {ast.Add: "add_", ast.Sub: "sub_", ast.Mult: "mul_", ast.Div: "div_"}
_INPLACE_METHODS = {"add", "sub", "mul", "div", "clamp", "relu", "sigmoid", "tanh", "abs", "neg", "exp",
                    "sqrt", "t", "transpose", "unsqueeze", "squeeze", "fill", "masked_fill", "pow"}


@_operator("inplace_input", "inplace_input")
def _inplace_input(cell: _Cell) -> Iterator[_Change]:
    for node in cell.nodes:
        # X[i:i + h, j:j + w] * K -> X[i:i + h, j:j + w].mul_(K)  (writes into the caller's X)
        if isinstance(node, ast.BinOp) and type(node.op) in _INPLACE_OPS and _param_root(cell, node.left):
            yield _Change(node, f"{cell.atom(node.left)}.{_INPLACE_OPS[type(node.op)]}({cell.text(node.right)})")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            receiver = node.func.value
            # X.mul(g) -> X.mul_(g)
            if method in _INPLACE_METHODS and not _library_call(node) and _param_root(cell, receiver):
                text = cell.text(node.func)
                yield _Change(node.func, text + "_", context=node)
            # torch.relu(X) -> X.relu_()
            if method in ("relu", "sigmoid", "tanh", "abs", "exp") and _library_call(node) and len(node.args) == 1 \
                    and _param_root(cell, node.args[0]) and not node.keywords:
                yield _Change(node, f"{cell.atom(node.args[0])}.{method}_()")
            # X.clone() -> X
            if method == "clone" and not _library_call(node) and _param_root(cell, receiver):
                yield _Change(node, cell.atom(receiver))
            if method == "clone" and _library_call(node) and node.args and _param_root(cell, node.args[0]):
                yield _Change(node, cell.atom(node.args[0]))


_BIAS = {"b", "bias", "b_"}


@_operator("dropped_bias", "dropped_call")
def _dropped_bias(cell: _Cell) -> Iterator[_Change]:
    # f(x, self.weight) + self.bias -> f(x, self.weight)
    for node in cell.nodes:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            for bias, other in ((node.right, node.left), (node.left, node.right)):
                if (isinstance(bias, ast.Name) and bias.id in _BIAS) or (isinstance(bias, ast.Attribute) and bias.attr == "bias"):
                    yield _Change(node, cell.text(other))


_ACTIVATIONS = re.compile(r"relu|sigmoid|tanh|gelu|silu|^elu$|softplus")
_SUBMODULES = re.compile(r"relu|sigmoid|tanh|gelu|silu|norm|dropout|^(act|activation|bn|elu|drop)\d*$")
_LAYERS_TO_DROP = re.compile(r"^(ReLU|ReLU6|LeakyReLU|Sigmoid|Tanh|GELU|SiLU|ELU|Softplus|"
                             r"BatchNorm[123]d|LayerNorm|GroupNorm|InstanceNorm[123]d|Dropout[123]?d?)$")


@_operator("dropped_activation", "dropped_call")
def _dropped_activation(cell: _Cell) -> Iterator[_Change]:
    # F.relu(Y) -> Y; self.relu(self.bn(Z)) -> self.bn(Z); self.bn(Z) -> Z
    for node in cell.nodes:
        if not (isinstance(node, ast.Call) and len(node.args) == 1 and not isinstance(node.args[0], ast.Starred)):
            continue
        func = _dotted(node.func) or ""
        owner, _, name = func.rpartition(".")
        if owner in ("F", "torch", "nn.functional", "torch.nn.functional") and _ACTIVATIONS.search(name):
            yield _Change(node, cell.text(node.args[0]))
        elif owner == "self" and _SUBMODULES.search(name.lower()):
            yield _Change(node, cell.text(node.args[0]))


@_operator("dropped_layer", "dropped_call")
def _dropped_layer(cell: _Cell) -> Iterator[_Change]:
    # nn.Sequential(nn.Conv2d(...), nn.Sigmoid(), ...) -> nn.Sequential(nn.Conv2d(...), ...)
    for node in cell.nodes:
        if isinstance(node, ast.Call) and (_dotted(node.func) or "").endswith("Sequential") and len(node.args) > 1:
            for i, arg in enumerate(node.args):
                name = (_dotted(arg.func) or "").rsplit(".", 1)[-1] if isinstance(arg, ast.Call) else ""
                if _LAYERS_TO_DROP.match(name):
                    yield _Change(node, _delete_arg(cell, node, i), description=f"{cell.text(arg)} -> (removed from {_dotted(node.func)})")


@_operator("dropped_residual", "dropped_call")
def _dropped_residual(cell: _Cell) -> Iterator[_Change]:
    # Y + self.shortcut(X) -> Y; Y + X -> Y   (in forward)
    for node in cell.nodes:
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
            continue
        fn = cell.function(node)
        if fn is None or fn.name != "forward":
            continue
        params = {p for p in cell.params(node) if p != "self"}
        for skip, other in ((node.right, node.left), (node.left, node.right)):
            is_input = isinstance(skip, ast.Name) and skip.id in params
            via_input = (isinstance(skip, ast.Call) and (_dotted(skip.func) or "").startswith("self.")
                         and len(skip.args) == 1 and isinstance(skip.args[0], ast.Name) and skip.args[0].id in params)
            if (is_input or via_input) and not (isinstance(other, ast.Name) and other.id in params):
                yield _Change(node, cell.text(other))


_FLOAT_DTYPES = {"torch.float32", "torch.float", "torch.float64", "torch.double", "torch.float16", "torch.half",
                 "torch.bfloat16"}


@_operator("wrong_dtype", "wrong_dtype")
def _wrong_dtype(cell: _Cell) -> Iterator[_Change]:
    for node in cell.nodes:
        if isinstance(node, ast.Call):
            # torch.zeros(..., dtype=X.dtype) -> torch.zeros(..., dtype=torch.float32)
            for kw in node.keywords:
                if kw.arg == "dtype":
                    new = "torch.float64" if _dotted(kw.value) in ("torch.float32", "torch.float") else "torch.float32"
                    yield _Change(kw.value, new, context=kw)
            method = _method(node)
            # K.to(X.dtype) -> K; x.float() -> x
            if method == "to" and not _library_call(node) and len(node.args) == 1 and not node.keywords:
                arg = node.args[0]
                if (isinstance(arg, ast.Attribute) and arg.attr == "dtype") or _dotted(arg) in _FLOAT_DTYPES:
                    yield _Change(node, cell.atom(node.func.value))
            if method in ("float", "double", "half") and not node.args and not _library_call(node):
                yield _Change(node, cell.atom(node.func.value))
            # int(n) -> float(n); float(n) -> int(n)
            if isinstance(node.func, ast.Name) and node.func.id in ("int", "float") and len(node.args) == 1 \
                    and not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                yield _Change(node.func, "float" if node.func.id == "int" else "int", context=node)


_ARITH = {ast.Add: [("+", "-")], ast.Sub: [("-", "+")], ast.Mult: [("*", "/")], ast.Div: [("/", "*")],
          ast.FloorDiv: [("//", "/")], ast.Pow: [("**", "*")], ast.Mod: [("%", "//")]}


def _sequence(node: ast.AST) -> bool:
    return isinstance(node, (ast.Tuple, ast.List, ast.JoinedStr)) or (
        isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes, tuple))) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tuple", "list", "str"))


@_operator("arithmetic_swap", "arithmetic_swap")
def _arithmetic_swap(cell: _Cell) -> Iterator[_Change]:
    for node in cell.nodes:
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITH and not (_sequence(node.left) or _sequence(node.right)):
            for old, new in _ARITH[type(node.op)]:
                text = cell.gap_op(node.left, node.right, old, new, node)
                if text is not None:
                    yield _Change(node, text)
        if isinstance(node, ast.AugAssign) and type(node.op) in _ARITH:
            for old, new in _ARITH[type(node.op)]:
                text = cell.gap_op(node.target, node.value, old + "=", new + "=", node)
                if text is None:
                    continue
                op = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "//": ast.FloorDiv}[new]

                def edit(copied, op=op):
                    copied.op = op()
                    return copied
                s, e = cell.span(node)
                yield _Change(node, text, tree_edit=edit,
                              description=f"{' '.join(cell.source[s:e].split())} -> {' '.join(text.split())}")


_COMPARE = {ast.Lt: ("<", "<=", ast.LtE), ast.LtE: ("<=", "<", ast.Lt), ast.Gt: (">", ">=", ast.GtE),
            ast.GtE: (">=", ">", ast.Gt), ast.Eq: ("==", "!=", ast.NotEq), ast.NotEq: ("!=", "==", ast.Eq),
            ast.In: ("in", "not in", ast.NotIn), ast.NotIn: ("not in", "in", ast.In),
            ast.Is: ("is", "is not", ast.IsNot), ast.IsNot: ("is not", "is", ast.Is)}


@_operator("comparison_swap", "comparison_swap")
def _comparison_swap(cell: _Cell) -> Iterator[_Change]:
    for node in cell.nodes:
        if isinstance(node, ast.Compare):
            operands = [node.left] + node.comparators
            for i, op in enumerate(node.ops):
                old, new, _ = _COMPARE[type(op)]
                text = cell.gap_op(operands[i], operands[i + 1], old, new, node)
                if text is not None:
                    yield _Change(node, text)


@_operator("dropped_statement", "dropped_statement")
def _dropped_statement(cell: _Cell) -> Iterator[_Change]:
    for node in cell.nodes:
        if not isinstance(node, ast.stmt) or isinstance(node, (
                ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
                ast.Pass, ast.Global, ast.Nonlocal)):
            continue
        parent, field, index = cell.parent[id(node)]
        if index is None:
            continue
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str) and isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                              ast.ClassDef, ast.Module)):
            continue  # a docstring: removing it changes nothing a test can see
        yield _Change(node, None)


OPERATORS: dict[str, str] = {name: kind for name, kind, _ in _OPERATORS}


# ---------------------------------------------------------------------------------------------


def _spread(items: list, n: int) -> list:
    """At most n items, evenly spaced over the list (first and last included), in order."""
    if n <= 0:
        return []
    if len(items) <= n:
        return items
    if n == 1:
        return items[:1]
    picks = sorted({round(i * (len(items) - 1) / (n - 1)) for i in range(n)})
    return [items[i] for i in picks]


def generate(source: str, stub: str, *, max_per_operator: int | None = None,
             operators: Iterable[str] | None = None) -> list[Mutant]:
    """Every mutant of one stub's solution cell, in a fixed order: by operator (as in OPERATORS),
    then by place in the source. No two mutants have the same syntax tree, and none has the
    original's. `max_per_operator` keeps at most that many of each operator's, spread evenly
    over the cell; `operators` keeps only the named ones. A cell that does not parse raises
    ValueError."""
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    try:
        cell = _Cell(source)
    except (SyntaxError, ValueError, RecursionError) as exc:
        raise ValueError(f"{stub}: the solution cell does not parse: {exc}") from None
    wanted = set(OPERATORS) if operators is None else set(operators)
    unknown = wanted - set(OPERATORS)
    if unknown:
        raise ValueError(f"unknown mutation operators: {', '.join(sorted(unknown))}")
    seen = {cell.dump}
    out: list[Mutant] = []
    for name, kind, find in _OPERATORS:
        if name not in wanted:
            continue
        mine = []
        for change in find(cell):
            realised = cell.realise(change)
            if realised is None:
                continue
            text, dump, line, description = realised
            if dump in seen:
                continue
            seen.add(dump)
            mine.append(Mutant(stub, name, kind, line, description, text))
        mine.sort(key=lambda m: m.line)  # stable: same-line mutants keep the operator's order
        out.extend(mine if max_per_operator is None else _spread(mine, max_per_operator))
    return out
