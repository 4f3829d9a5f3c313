"""Rebuild examples/students/: the three students of `course demo` and the end-to-end test.

- alice answers every stub like the reference solution: full marks.
- bob got most things right: a few bugs real students make (from the grader's mutant
  corpus) and one stub left unfinished, so the demo shows partial credit and counterexamples.
- mallory is hostile: a corr2d that patches every comparison function and returns garbage,
  and a cell that kills its own process at import. She must gain nothing.

Run after changing solutions/ or the corpus:

    python examples/make_example_student.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from autograder import config  # noqa: E402
from corpus.build import CORPUS, write_submission  # noqa: E402

HOSTILE = {
    "02_convolutions": {"corr2d": "hostile/corr2d__patch_comparisons.py"},
    "04_channels": {"corr2d_multi_in": "hostile/corr2d__os_exit_at_import.py"},
}
PLANTED = {
    "02_convolutions": {"Conv2D": "mutants/Conv2D__bias_plain_tensor.py"},
    "03_padding_stride": {"conv_output_shape": "mutants/conv_output_shape__total_padding_formula_per_side.py"},
    "05_pooling": {"pool2d_strided": "mutants/pool2d_strided__zero_padding_for_max.py"},
    "06_lenet": {"evaluate_accuracy": "mutants/evaluate_accuracy__per_batch_mean.py"},
    "07_modern_blocks": {"SEBlock": None},  # left as released: not implemented yet
    "08_modern_architectures": {"Bottleneck": "mutants/Bottleneck__relu_before_addition.py"},
}


def write_student(course: config.Course, out: Path, planted: dict) -> None:
    shutil.rmtree(out, ignore_errors=True)
    for a in course.assignments:
        replace = {}
        for stub, source in planted.get(a.id, {}).items():
            # a renamed corpus file must fail loudly here
            replace[stub] = None if source is None else (CORPUS / source).read_text()
        write_submission(out, course, a.id, {k: v for k, v in replace.items() if v is not None})
        unfinished = [k for k, v in replace.items() if v is None]
        if unfinished:
            _restore_stubs(out / a.id / a.notebook, course.assignments_dir / a.id / a.notebook, unfinished)


def main() -> None:
    course = config.load(ROOT / "course.yaml")
    out = ROOT / "examples" / "students"
    for name, planted in (("alice", {}), ("bob", PLANTED), ("mallory", HOSTILE)):
        write_student(course, out / name, planted)
    print(f"wrote {out}")


def _restore_stubs(target: Path, released: Path, names: list[str]) -> None:
    import nbformat

    nb, rel = nbformat.read(target, as_version=4), nbformat.read(released, as_version=4)
    stubs = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in rel.cells}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in names:
            cell.source = stubs[gid]
    nbformat.write(nb, target)


if __name__ == "__main__":
    main()
