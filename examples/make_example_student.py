"""Rebuild examples/student/: a plausible student who got most things right.

Every stub is answered like the reference, except a few with bugs real students make
(taken from the grader's mutant corpus) and one left unfinished, so `course demo` shows
partial credit with counterexamples. Run after changing solutions/ or the corpus:

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

PLANTED = {
    "02_convolutions": {"Conv2D": "mutants/Conv2D__bias_plain_tensor.py"},
    "03_padding_stride": {"conv_output_shape": "mutants/conv_output_shape__total_padding_formula_per_side.py"},
    "05_pooling": {"pool2d_strided": "mutants/pool2d_strided__zero_padding_for_max.py"},
    "06_lenet": {"evaluate_accuracy": "mutants/evaluate_accuracy__per_batch_mean.py"},
    "07_modern_blocks": {"SEBlock": None},  # left as released: not implemented yet
}


def main() -> None:
    course = config.load(ROOT / "course.yaml")
    out = ROOT / "examples" / "student"
    shutil.rmtree(out, ignore_errors=True)
    for a in course.assignments:
        replace = {}
        for stub, source in PLANTED.get(a.id, {}).items():
            if source is None:
                replace[stub] = None
            else:
                replace[stub] = (CORPUS / source).read_text()  # a renamed corpus file must fail loudly here
        write_submission(out, course, a.id, {k: v for k, v in replace.items() if v is not None})
        unfinished = [k for k, v in replace.items() if v is None]
        if unfinished:
            _restore_stubs(out / a.id / a.notebook, course.assignments_dir / a.id / a.notebook, unfinished)
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
