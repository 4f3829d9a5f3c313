"""What a notebook may do, judged in the parent from its source (and, as extra evidence, the ops it ran).

The child is the student's process: anything it records about itself can be switched off
there. So the rules rest on the notebook's text, read here, over every cell that runs:

* **Implemented, not delegated** (the stubs course.yaml lists under `must_implement`): a stub's code may not
  reach torch's convolution, pooling or unfold functions, scipy.signal/ndimage, or numpy's
  convolve/correlate, under any alias. The child's op trace adds what the text hides.
* **No reaching around the grader** (every notebook): the grader's runtime (sys.modules,
  __main__, gc, inspect, frames, builtins, importlib, ctypes, the child's own modules),
  the dispatch machinery (torch._C, torch.ops, modes), threads and processes, names
  built at run time (getattr/setattr with a computed name, exec, eval, vars, globals,
  __dict__), and patching libraries (assigning to attributes of torch, numpy and the
  like, or to dunder attributes of anything).

"A stub's code" is its dependency closure: the statements that define it and, transitively,
every name they use, across cells, stopping at other stubs and at the names a test replaces
with the grader's help (those are graded, or answered, on their own). A construct found
there zeros that stub. A construct in a cell the student wrote that is in no stub's closure
runs for its effect before any stub is called, so it zeros every stub of the notebook.
Cells exactly as released are the instructor's: they count inside a closure (a stub that
calls an instructor's F.conv2d helper delegates), never on their own.

What this cannot see (documented for instructors, see README): work done outside torch and
outside Python's names (a C extension already installed on the machine), and copying a
correct implementation from elsewhere (plagiarism, not delegation).
"""

from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass, field
from typing import Iterable

from autograder.notebook import Cell

# ----------------------------------------------------------------------------- delegation
_BANNED_OP_PREFIXES = (
    "conv", "_conv", "cudnn_conv", "mkldnn_conv", "miopen_conv", "slow_conv", "thnn_conv", "_slow_conv",
    "max_pool", "avg_pool", "adaptive_max_pool", "adaptive_avg_pool", "_adaptive_avg_pool",
    "fractional_max_pool", "lp_pool", "max_unpool", "im2col", "col2im", "_nnpack_spatial_convolution",
    "mkldnn_max_pool", "quantized_max_pool",
)
_ALLOWED_OPS = ("convert", "_convert", "conj", "_conj")

_BANNED_NAMES = frozenset({
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "convolution", "_convolution",
    "Conv1d", "Conv2d", "Conv3d", "LazyConv2d", "ConvTranspose2d",
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "max_pool2d_with_indices",
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "lp_pool2d", "fractional_max_pool2d",
    "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "LPPool2d",
    "Unfold", "Fold", "im2col", "col2im", "convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve",
})
# Reached through these modules, any name is delegation (unfold and fold included).
_BANNED_MODULES = ("torch.nn.functional.unfold", "torch.nn.functional.fold", "scipy.signal", "scipy.ndimage",
                   "torch.ops", "torch._C")

# ------------------------------------------------------------------------------- hostile
RUNTIME = "reaches into the grader's runtime"
DISPATCH = "switches torch's dispatch machinery"
THREADS = "starts threads or processes"
DYNAMIC = "builds names at run time"
PATCH = "patches a library"

_MODULES = {
    RUNTIME: {"child", "wire", "training", "__main__", "gc", "inspect", "importlib", "builtins", "ctypes", "_ctypes",
              "cffi", "sysconfig", "site", "runpy", "code", "codeop", "pickle", "marshal", "dill", "types"},
    THREADS: {"threading", "_thread", "multiprocessing", "concurrent", "subprocess", "signal", "asyncio", "pty",
              "socket", "sched", "faulthandler", "resource"},
}
_ATTRS = {
    RUNTIME: {"f_back", "f_globals", "f_locals", "f_builtins", "tb_frame",
              "gi_frame", "cr_frame", "ag_frame", "__dict__", "__globals__", "__builtins__", "__closure__",
              "__code__", "__subclasses__", "__getattribute__", "__import__", "__loader__", "__spec__",
              "__reduce__", "__reduce_ex__", "__defaults__", "__kwdefaults__", "__self__", "__func__", "__wrapped__"},
    DISPATCH: {"_C", "ops", "_ops", "library", "overrides", "_python_dispatch", "TorchDispatchMode",
               "TorchFunctionMode", "_disable_current_modes", "DisableTorchFunction", "DisableTorchFunctionSubclass",
               "_DisableTorchDispatch", "__torch_dispatch__", "__torch_function__", "_dynamo", "_subclasses"},
    THREADS: {"fork", "forkpty", "system", "popen", "kill", "killpg", "_exit", "abort", "setsid", "setpgid", "dup",
              "dup2", "pipe", "fdopen", "register_at_fork", "posix_spawn", "posix_spawnp", "execv", "execve",
              "execl", "execle", "execlp", "execvp", "execvpe", "spawnl", "spawnv", "spawnve", "spawnlp",
              "multiprocessing", "distributed"},
}
_SYS_ATTRS = {"modules", "_getframe", "settrace", "setprofile", "_current_frames", "meta_path", "path_hooks",
              "path_importer_cache", "addaudithook", "exc_info", "exception", "last_traceback", "gettrace"}
_CALLS = {DYNAMIC: {"exec", "eval", "compile", "globals", "vars", "__import__", "breakpoint"}}
_NAMES = {RUNTIME: {"__builtins__", "__import__", "__loader__", "__spec__"}}
_DYNAMIC_ATTR_CALLS = {"getattr", "setattr", "delattr", "hasattr"}
_LIBRARIES = {"torch", "torchvision", "numpy", "scipy", "builtins", "math", "operator", "functools", "random", "sys",
              "os", "gc", "inspect", "types", "itertools", "collections", "copy"}
_PATCH_EXEMPT = ("torch.backends.",)  # settings, not behaviour (cudnn.deterministic and friends)
_STRING_PREFIXES = ("/grader", "/proc/", "/dev/fd", "/sys/")


@dataclass
class _Statement:
    cell: Cell
    node: ast.stmt
    defines: set[str] = field(default_factory=set)
    uses: set[str] = field(default_factory=set)
    hostile: list[tuple[str, str]] = field(default_factory=list)  # (kind, construct)
    delegates: list[str] = field(default_factory=list)
    reaches: set[str] = field(default_factory=set)  # module paths it imports or names (for `forbidden`)
    released: bool = False  # the instructor's cell, as released


@dataclass
class Review:
    """Per stub, why it scores zero (empty when it does not); and what the instructor is told."""

    charged: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def verdict(self, stub: str) -> str | None:
        reasons = self.charged.get(stub)
        return "; ".join(dict.fromkeys(reasons)) + f". All of {stub}'s tests score zero." if reasons else None


def banned_ops(ops: Iterable[str]) -> list[str]:
    """aten ops from the convolution/pooling/im2col families among those a stub ran."""
    found = []
    for op in ops:
        name = op.split(".", 1)[-1]  # "aten.convolution" -> "convolution"
        if name.startswith(_ALLOWED_OPS):
            continue
        if name.startswith(_BANNED_OP_PREFIXES):
            found.append(op)
    return sorted(set(found))


def review(cells: list[Cell], released_sources: set[str], stubs: Iterable[str],
           helped: dict[str, set[str]] | None = None, notebook_name: str = "the notebook",
           must_implement: Iterable[str] = (), forbidden: Iterable[str] = ()) -> Review:
    """Read every runnable cell; charge each stub with what its code does. `forbidden`: module paths
    (course.yaml's `forbidden` for the assignment) that no stub's code may import or name."""
    stubs, must_implement, forbidden = set(stubs), frozenset(must_implement), tuple(forbidden)
    helped = helped or {}
    statements: list[_Statement] = []
    aliases: dict[str, str] = {}
    out = Review()
    for cell in cells:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue  # it fails when loaded; that is reported apart
        except (RecursionError, MemoryError, ValueError):
            for stub in sorted(stubs):
                out.charged.setdefault(stub, []).append(f"{cell.label} of {notebook_name} could not be read (nested too deep)")
            out.notes.append(f"{notebook_name}, {cell.label}: could not be read (nested too deep); every stub scores zero")
            return out
        released = cell.source.strip() in released_sources
        for node in tree.body:
            statements.append(_Statement(cell, node, released=released))
    for _ in range(3):  # aliases of aliases (t = torch; F = t.nn.functional)
        for st in statements:
            _collect_aliases(st.node, aliases)
    for st in statements:
        _analyse(st, aliases)
    by_name: dict[str, list[_Statement]] = {}
    for st in statements:
        for name in st.defines:
            by_name.setdefault(name, []).append(st)
    in_some_closure: set[int] = set()
    for stub in sorted(stubs):
        closure = _closure(stub, by_name, stubs - {stub} | helped.get(stub, set()))
        in_some_closure.update(id(st) for st in closure)
        for st in closure:
            for kind, construct in st.hostile:
                out.charged.setdefault(stub, []).append(f"{stub}'s code {kind} ({construct})")
                out.notes.append(f"{notebook_name}, {st.cell.label}: {kind} ({construct}); {stub} scores zero")
            taken = {path: f for path in st.reaches for f in forbidden if path == f or path.startswith(f + ".")}
            if taken:  # the most specific path the statement names, once
                path = max(sorted(taken), key=len)
                out.charged.setdefault(stub, []).append(
                    f"{stub}'s code uses {path}: this assignment asks you to build it yourself, not to take it "
                    f"from {taken[path]}")
            if stub in must_implement:
                for name in st.delegates:
                    out.charged.setdefault(stub, []).append(
                        f"{stub} must compute the sliding windows itself, not call torch's convolution, pooling or "
                        f"unfold functions (its code uses {name})")
    for st in statements:
        if id(st) in in_some_closure or st.released or not st.hostile:
            continue
        for kind, construct in st.hostile:
            for stub in sorted(stubs):
                out.charged.setdefault(stub, []).append(f"{st.cell.label} {kind} ({construct}), which affects every stub")
            out.notes.append(f"{notebook_name}, {st.cell.label}: {kind} ({construct}); it runs before any stub, so every "
                             f"stub of this notebook scores zero ({', '.join(sorted(stubs))})")
    out.notes = list(dict.fromkeys(out.notes))
    return out


def delegation_verdict(stub: str, ops: Iterable[str], must_implement: Iterable[str] = ()) -> str | None:
    """The op trace's evidence: a stub that must implement its windows and ran a convolution or pooling op."""
    ran = banned_ops(ops) if stub in frozenset(must_implement) else []
    if not ran:
        return None
    return (f"{stub} must compute the sliding windows itself, not call torch's convolution, pooling or unfold "
            f"functions (it ran {', '.join(ran)}). All of {stub}'s tests score zero.")


# ------------------------------------------------------------------------------ analysis
def _closure(stub: str, by_name: dict[str, list[_Statement]], stop: set[str]) -> list[_Statement]:
    seen: dict[int, _Statement] = {}
    todo = [stub]
    visited_names: set[str] = set()
    while todo:
        name = todo.pop()
        if name in visited_names:
            continue
        visited_names.add(name)
        for st in by_name.get(name, []):
            if id(st) in seen:
                continue
            seen[id(st)] = st
            todo.extend(n for n in st.uses if n not in stop)
    return list(seen.values())


def _dotted(node: ast.AST) -> tuple[str | None, list[str]]:
    """(root name, attribute chain) of a.b.c, or (None, chain) when the root is not a plain name."""
    chain: list[str] = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    while isinstance(node, (ast.Subscript, ast.Call)):
        node = node.value if isinstance(node, ast.Subscript) else node.func
        while isinstance(node, ast.Attribute):
            chain.append(node.attr)
            node = node.value
    return (node.id if isinstance(node, ast.Name) else None), list(reversed(chain))


def _resolve(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """The module path an attribute chain names, when its root is an imported module or an alias of one."""
    chain: list[str] = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in aliases:
        return ".".join([aliases[node.id], *reversed(chain)])
    return None


def _collect_aliases(node: ast.AST, aliases: dict[str, str]) -> None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import):
            for a in sub.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    aliases[a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(sub, ast.ImportFrom) and sub.module and not sub.level:
            for a in sub.names:
                if a.name != "*":
                    aliases[a.asname or a.name] = f"{sub.module}.{a.name}"
        elif isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name):
            path = _resolve(sub.value, aliases)
            if path:
                aliases[sub.targets[0].id] = path


def _library(path: str | None) -> bool:
    return bool(path) and path.split(".")[0] in _LIBRARIES and not path.startswith(_PATCH_EXEMPT)


def _delegated(path: str) -> bool:
    last = path.rsplit(".", 1)[-1]
    return last in _BANNED_NAMES or path.startswith(_BANNED_MODULES)


def _analyse(st: _Statement, aliases: dict[str, str]) -> None:
    node = st.node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        st.defines.add(node.name)
    st.uses = _global_uses(node)
    st.delegates.extend(name for name in st.uses if name in aliases and _delegated(aliases[name]))
    st.reaches.update(aliases[name] for name in st.uses if name in aliases)
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            if isinstance(sub.ctx, ast.Store) and _top_level_target(node, sub):
                st.defines.add(sub.id)
            for kind, names in _NAMES.items():
                if sub.id in names:
                    st.hostile.append((kind, sub.id))
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            _imports(st, sub)
        elif isinstance(sub, ast.Attribute):
            _attribute(st, sub, aliases)
        elif isinstance(sub, ast.Call):
            _call(st, sub, aliases)
        elif isinstance(sub, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = sub.targets if isinstance(sub, (ast.Assign, ast.Delete)) else [sub.target]
            for t in targets:
                _patching(st, t, aliases)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            if sub.value in _BANNED_NAMES:
                st.delegates.append(repr(sub.value))
            if sub.value.startswith(_STRING_PREFIXES):
                st.hostile.append((RUNTIME, repr(sub.value[:40])))
    st.delegates = sorted(set(st.delegates))
    st.hostile = list(dict.fromkeys(st.hostile))


def _global_uses(stmt: ast.stmt) -> set[str]:
    """Module-level names a statement reads, in any of its scopes (a def's locals and parameters are not)."""
    try:
        top = symtable.symtable(ast.unparse(ast.Module(body=[stmt], type_ignores=[])), "<cell>", "exec")
    except (SyntaxError, RecursionError, ValueError):
        return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    uses: set[str] = set()
    todo = [top]
    while todo:
        table = todo.pop()
        todo.extend(table.get_children())
        for sym in table.get_symbols():
            if sym.is_referenced() and (table is top or sym.is_global()):
                uses.add(sym.get_name())
    return uses


def _top_level_target(stmt: ast.stmt, name: ast.Name) -> bool:
    """A name the statement binds at module level (not a local of a def inside it)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return False
    for sub in ast.walk(stmt):
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            if any(n is name for n in ast.walk(sub)):
                return False
    return True


def _imports(st: _Statement, node: ast.Import | ast.ImportFrom) -> None:
    if isinstance(node, ast.Import):
        modules = [a.name for a in node.names]
        for a in node.names:
            st.defines.add(a.asname or a.name.split(".")[0])
    else:
        base = node.module or ""
        modules = [base] + [f"{base}.{a.name}" for a in node.names]
        for a in node.names:
            if a.name == "*":
                if base.startswith(("torch", "scipy", "numpy")):
                    st.delegates.append(f"from {base} import *")
            else:
                st.defines.add(a.asname or a.name)
                if _delegated(f"{base}.{a.name}"):
                    st.delegates.append(f"from {base} import {a.name}")
        if node.level:
            st.hostile.append((RUNTIME, f"relative import from {'.' * node.level}{base}"))
    st.reaches.update(m for m in modules if m)
    for module in modules:
        parts = module.split(".")
        for kind, names in _MODULES.items():
            if parts[0] in names:
                st.hostile.append((kind, f"import {module}"))
        for kind, names in _ATTRS.items():
            if kind != RUNTIME and any(p in names for p in parts[1:]):
                st.hostile.append((kind, f"import {module}"))


def _attribute(st: _Statement, node: ast.Attribute, aliases: dict[str, str]) -> None:
    path = _resolve(node, aliases)
    root, chain = _dotted(node)
    if path:
        st.reaches.add(path)
    if path and _delegated(path):
        st.delegates.append(path)
    elif node.attr in _BANNED_NAMES:
        st.delegates.append(ast.unparse(node)[:80])
    for kind, names in _ATTRS.items():
        if node.attr in names:
            if kind == THREADS and not (path or "").startswith(("os.", "torch.")):
                continue  # kill/pipe/... on the student's own objects; os.* and torch.* only
            if kind == DISPATCH and not (path or "").startswith("torch") and node.attr in ("ops", "library", "_C"):
                continue
            st.hostile.append((kind, ast.unparse(node)[:80]))
    if path and path.startswith("sys.") and node.attr in _SYS_ATTRS:
        st.hostile.append((RUNTIME, path))
    if path and path.startswith("os.") and (node.attr.startswith(("exec", "spawn")) or node.attr in ("write", "read")):
        st.hostile.append((THREADS, path))


def _call(st: _Statement, node: ast.Call, aliases: dict[str, str]) -> None:
    func = node.func
    if isinstance(func, ast.Name):
        for kind, names in _CALLS.items():
            if func.id in names:
                st.hostile.append((kind, f"{func.id}()"))
        if func.id in _DYNAMIC_ATTR_CALLS and len(node.args) >= 2:
            name = node.args[1]
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                st.hostile.append((DYNAMIC, f"{func.id}() with a computed name"))
            elif (name.value.startswith("__") and name.value.endswith("__") and name.value not in ("__name__",)
                  and func.id != "hasattr"):  # hasattr(x, "__len__") asks, and answers only True or False
                st.hostile.append((RUNTIME, f"{func.id}(..., {name.value!r})"))
            if func.id in ("setattr", "delattr") and _library(_resolve(node.args[0], aliases)):
                st.hostile.append((PATCH, f"{func.id}({ast.unparse(node.args[0])[:40]}, ...)"))


def _patching(st: _Statement, target: ast.AST, aliases: dict[str, str]) -> None:
    if isinstance(target, (ast.Tuple, ast.List)):
        for t in target.elts:
            _patching(st, t, aliases)
        return
    if isinstance(target, ast.Starred):
        _patching(st, target.value, aliases)
        return
    if not isinstance(target, (ast.Attribute, ast.Subscript)):
        return
    inner = target.value
    path = _resolve(inner, aliases) if isinstance(inner, (ast.Attribute, ast.Name)) else None
    if isinstance(target, ast.Attribute):
        dunder = target.attr.startswith("__") and target.attr.endswith("__")
        full = _resolve(target, aliases)
        if dunder or _library(full):
            st.hostile.append((PATCH, ast.unparse(target)[:80]))
    elif _library(path):
        st.hostile.append((PATCH, ast.unparse(target)[:80]))
