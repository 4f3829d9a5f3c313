"""`course`: the instructor's and CI's command line.

Exit status: 0 whenever the command finished (whatever the scores), 2 for bad usage
or bad configuration, 3 when the grader itself failed.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from autograder import config as course_config

EXIT_OK, EXIT_USAGE, EXIT_GRADER = 0, 2, 3


def _course(args: argparse.Namespace) -> course_config.Course:
    return course_config.load(args.course) if args.course else course_config.default_course()


def cmd_release(args: argparse.Namespace) -> int:
    from autograder import release

    course = _course(args)
    out = release.generate(course, args.assignment or None)
    print(f"released {', '.join(args.assignment or [a.id for a in course.assignments])} into {out}")
    return EXIT_OK


def cmd_grade(args: argparse.Namespace) -> int:
    from autograder import grade, report

    course = _course(args)
    folder = Path(args.submission)
    if not folder.is_dir():
        print(f"course grade: {folder} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    result = grade.grade(folder, course, only=args.assignment or None, train=not args.no_train,
                         workdir=Path(args.results).parent if args.results else None,
                         progress=None if args.quiet else lambda aid: print(f"grading {aid} ...", file=sys.stderr))
    if args.results:
        report.write_results(result, Path(args.results))
    print(report.table(result))
    if result.notes and not args.quiet:
        print("notes:\n  " + "\n  ".join(result.notes))
    return EXIT_GRADER if result.grader_errors else EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Grade the reference solutions and the bundled example student, print both tables."""
    from autograder import grade, report

    course = _course(args)
    status = EXIT_OK
    for label, folder in (("reference solutions", course.solutions_dir),
                          ("example student", course.root / "examples" / "student")):
        result = grade.grade(folder, course, train=not args.no_train,
                             progress=lambda aid: print(f"  grading {label}: {aid}", file=sys.stderr))
        print(report.table(result, title=f"{label} ({folder.relative_to(course.root)})"))
        print()
        status = max(status, EXIT_GRADER if result.grader_errors else EXIT_OK)
    return status


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Train the reference LeNet over several seeds and recommend a threshold."""
    from tqdm.auto import tqdm

    from autograder import lenet

    course = _course(args)
    with tqdm(total=args.seeds, desc=f"reference LeNet on {lenet.device()}", unit="run") as bar:
        def step(seed: int, acc: float) -> None:
            bar.update(1)
            bar.set_postfix(seed=seed, acc=f"{acc:.4f}")

        cal = lenet.calibrate(course, args.seeds, margin=args.margin, on_run=step)
    print(cal.summary())
    print(f"course.yaml now has threshold {course.lenet.threshold:.2f}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__.splitlines()[0])
    parser.add_argument("--course", help="path to course.yaml (default: the nearest one)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="generate the student notebooks in assignments/ from solutions/ (nbgrader)")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("grade", help="grade one submission folder with the hidden tests")
    p.add_argument("submission", help="an assignment folder, or a folder holding several")
    p.add_argument("--results", help="write Gradescope's results.json here")
    p.add_argument("--assignment", action="append", help="grade only this assignment (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--no-train", action="store_true", help="leave out the LeNet training test (minutes on a CPU)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("demo", help="grade the reference solutions and the bundled example student")
    p.add_argument("--no-train", action="store_true", help="leave out the LeNet training test")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("calibrate", help="train the reference LeNet over several seeds; recommend a threshold")
    p.add_argument("what", choices=["lenet"])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--margin", type=float, default=0.03, help="kept below the worst reference run")
    p.set_defaults(func=cmd_calibrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return args.func(args)
    except course_config.CourseConfigError as exc:
        print(f"course: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - the grader failed: say so, distinctly
        logging.exception("course: internal error")
        print(f"course: internal error: {exc}", file=sys.stderr)
        return EXIT_GRADER


if __name__ == "__main__":
    sys.exit(main())
