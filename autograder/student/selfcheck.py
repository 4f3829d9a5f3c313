"""pytest plugin: `pytest assignments/` runs each notebook's visible checks, one item per check.

Students run this in their own process on their own code, so it is a teaching aid, not
a security boundary (the hidden grader is sandboxed). What matters here is that:
collection never errors, an untouched stub fails with a plain "not implemented yet",
and any other failure says what was called, what came back and what was expected.
"""

from __future__ import annotations

import io
import linecache
import os
import sys
import traceback
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any, Iterator

import pytest

from autograder import notebook
from autograder.notebook import Cell, NotebookError

CHECKPOINT_DIR = ".ipynb_checkpoints"


def pytest_configure(config: pytest.Config) -> None:
    # Keep hypothesis's scratch files out of the notebooks' folders (and out of releases).
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(str(config.rootpath / ".pytest_cache" / "hypothesis"))
    # Check cells set their own examples, seed and deadline; the rest comes from this profile:
    # one clear failure (not an ExceptionGroup) and no slow "explain" phase on every failure.
    from hypothesis import Phase, settings

    settings.register_profile(
        "course-selfcheck",
        report_multiple_bugs=False,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    )
    settings.load_profile("course-selfcheck")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".ipynb" and CHECKPOINT_DIR not in file_path.parts:
        return NotebookFile.from_parent(parent, path=file_path)
    return None


class NotebookFile(pytest.File):
    """A notebook: its non-check cells run once, in order, in one namespace."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            cells = notebook.load_cells(self.path)
        except NotebookError as exc:
            yield BrokenNotebook.from_parent(self, name="notebook", message=str(exc))
            return
        checks = [c for c in cells if c.role == "check"]
        if not checks:
            return
        self.cells = cells
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(self.path)}
        self.executed_upto = 0
        self.setup_errors: list[str] = []
        seen: set[str] = set()
        for cell in checks:
            name = cell.grade_id or f"cell{cell.index + 1}"
            if name in seen:  # nbgrader would refuse this notebook too
                name = f"{name}[cell{cell.index + 1}]"
            seen.add(name)
            yield CheckItem.from_parent(self, name=name, cell=cell)

    def run_cells_before(self, index: int) -> None:
        """Run the setup cells (stubs, examples) that come before a check cell, once."""
        for cell in self.cells[self.executed_upto:index]:
            if cell.role in ("stub", "code"):
                try:
                    with redirect_stdout(io.StringIO()):  # examples print; the check's report should not
                        run_cell(self.path, cell, self.namespace)
                except NotImplementedError:
                    pass  # a worked example calling an unfinished stub: the checks will say so
                except BaseException as exc:  # noqa: BLE001 - a student's cell may raise anything
                    self.setup_errors.append(f"{cell.label} raised {type(exc).__name__}: {exc}")
        self.executed_upto = max(self.executed_upto, index)


class BrokenNotebook(pytest.Item):
    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise NotebookError(self.message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: str | None = None) -> str:
        return self.message

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.path.name}: unreadable"


class CheckItem(pytest.Item):
    def __init__(self, *, cell: Cell, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cell = cell
        if cell.points:
            self.user_properties.append(("points", cell.points))

    def runtest(self) -> None:
        nb: NotebookFile = self.parent  # type: ignore[assignment]
        nb.run_cells_before(self.cell.index)
        run_cell(self.path, self.cell, nb.namespace)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: str | None = None) -> str:
        from autograder.student.visible import NotImplementedYet

        exc = excinfo.value
        nb: NotebookFile = self.parent  # type: ignore[assignment]
        where = f"{self.path.name}, {self.cell.label}"
        if isinstance(exc, (NotImplementedYet, NotImplementedError)) or _caused_by_not_implemented(exc):
            text = str(exc) if isinstance(exc, NotImplementedYet) else f"{_unfinished_stub(exc)} is not implemented yet"
            return f"{where}: not implemented yet ({text})"
        if isinstance(exc, AssertionError) and str(exc):
            message = f"{where}: {exc}"
        else:
            message = f"{where}:\n{_student_traceback(excinfo)}"
        if nb.setup_errors:
            message += "\n\nEarlier cells in this notebook raised errors:\n  " + "\n  ".join(nb.setup_errors)
        return message

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.path.name}::{self.name}"


def _unfinished_stub(exc: BaseException) -> str:
    """The function or class whose body raised NotImplementedError, from the innermost frame."""
    while exc is not None and not isinstance(exc, NotImplementedError):
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    tb, name = exc.__traceback__ if exc else None, "a function this check calls"
    while tb is not None:
        qualname = getattr(tb.tb_frame.f_code, "co_qualname", tb.tb_frame.f_code.co_name)
        if qualname != "<module>":
            name = qualname.split(".")[0]
        tb = tb.tb_next
    return name


def _caused_by_not_implemented(exc: BaseException) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, NotImplementedError):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def _student_traceback(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """The traceback from the notebook's cells down, without the plugin's own frames."""
    frames = traceback.extract_tb(excinfo.tb)
    ours = [f for f in frames if f.filename.startswith("<") or ".ipynb" in f.filename]
    lines = traceback.format_list(ours or frames[-3:])
    return "".join(lines) + "".join(traceback.format_exception_only(excinfo.type, excinfo.value))


@contextmanager
def _in_folder(folder: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def run_cell(path: Path, cell: Cell, namespace: dict[str, Any]) -> None:
    """Execute one cell's source so tracebacks show the notebook's own lines."""
    filename = f"{path.name} {cell.label}"
    source = notebook.runnable_source(cell.source)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, "exec")
    os.environ.setdefault("MPLBACKEND", "Agg")
    with _in_folder(path.parent):
        exec(code, namespace)  # noqa: S102 - running the student's own notebook is the point


def pytest_report_header(config: pytest.Config) -> str | None:
    return "course self-check: notebooks run their visible check cells" if "autograder" in sys.modules else None
