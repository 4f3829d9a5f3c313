"""`course`: the instructor's and CI's command line.

Exit status: 0 whenever the command finished (whatever the scores), 2 for bad usage
or bad configuration, 3 when the grader itself failed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from autograder import config as course_config

EXIT_OK, EXIT_USAGE, EXIT_GRADER = 0, 2, 3


def _course(args: argparse.Namespace) -> course_config.Course:
    if args.course:
        # Everything in this process (the oracles too) must read the same course.
        os.environ[course_config.COURSE_FILE_ENV] = str(Path(args.course).resolve())
        course_config.default_course.cache_clear()
    return course_config.default_course()


def cmd_release(args: argparse.Namespace) -> int:
    from autograder import release, term

    course = _course(args)
    ids = args.assignment or [a.id for a in course.assignments]
    if args.no_exchange:
        out = release.generate(course, ids)
        print(f"generated {', '.join(ids)} into {out}")
    else:
        term.release_to_exchange(course, ids, args.exchange)
        print(f"generated {', '.join(ids)} into {course.assignments_dir} and released them to the exchange "
              f"at {args.exchange or course.exchange}")
    return EXIT_OK


def cmd_collect(args: argparse.Namespace) -> int:
    from autograder import term

    course = _course(args)
    found = term.collect(course, args.assignment or None, args.exchange)
    print(f"collected: {len(found)} student(s) in {term.submitted_dir(course)}: {', '.join(found) or '-'}")
    return EXIT_OK


def _step_summary(text: str) -> None:
    """GitHub Actions shows $GITHUB_STEP_SUMMARY on the run's page."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(text + "\n")


def cmd_grade(args: argparse.Namespace) -> int:
    from autograder import grade, report

    course = _course(args)
    if args.all:
        return _grade_class(args, course)
    if not args.submission:
        print("course grade: give a SUBMISSION folder, or --all for everything collected", file=sys.stderr)
        return EXIT_USAGE
    folder = Path(args.submission)
    if not folder.is_dir():
        print(f"course grade: {folder} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    result = grade.grade(folder, course, only=args.assignment or None, train=not args.no_train,
                         workdir=Path(args.results).parent if args.results else None,
                         progress=None if args.quiet else lambda aid: print(f"grading {aid} ...", file=sys.stderr))
    if args.results:
        report.write_results(result, Path(args.results))
    if args.junit:
        report.write_junit(result, Path(args.junit))
    _step_summary(report.markdown(result, title=str(folder)))
    print(report.table(result))
    if result.notes and not args.quiet:
        print("notes:\n  " + "\n  ".join(result.notes))
    return EXIT_GRADER if result.grader_errors else EXIT_OK


def _grade_class(args: argparse.Namespace, course) -> int:
    from tqdm.auto import tqdm

    from autograder import term

    try:
        term.shard([], args.shard)
    except ValueError as exc:
        print(f"course grade: {exc}", file=sys.stderr)
        return EXIT_USAGE
    everyone = term.students(course)
    if not everyone:
        print(f"course grade --all: nobody in {term.submitted_dir(course)}; run `course collect` first", file=sys.stderr)
        return EXIT_USAGE
    mine = term.shard(everyone, args.shard)
    with tqdm(total=len(mine), desc="grading the class", unit="student", disable=args.quiet or None) as bar:
        run = term.grade_class(course, jobs=args.jobs, shard_spec=args.shard, train=not args.no_train,
                               force=args.force, on_done=lambda s, rec: bar.update(1))
        bar.update(len(run.skipped))
    lines = [f"{'student'.ljust(20)} {'points':>15}  grader errors"]
    for s in mine:
        rec = run.records.get(s)
        if rec is None:
            lines.append(f"{s.ljust(20)} {'not graded':>15}  the grader failed: {run.failed.get(s, '?')}")
            continue
        errors = sum(t["grader_error"] for t in rec["tests"])
        lines.append(f"{s.ljust(20)} {rec['score']:>7g} / {rec['max_score']:<6g}  {errors or '-'}")
    print("\n".join(lines))
    print(f"graded {len(run.graded)}, unchanged since the last run {len(run.skipped)}; scores are in {course.root / 'gradebook.db'}")
    if run.failed:
        print(f"could not grade {len(run.failed)} student(s): {', '.join(sorted(run.failed))}; "
              "their earlier grades are untouched, and `course grade --all` again retries only them", file=sys.stderr)
    _step_summary("| student | points |\n|---|---:|\n" + "\n".join(
        f"| {s} | {run.records[s]['score']:g} / {run.records[s]['max_score']:g} |" if s in run.records
        else f"| {s} | not graded (grader failure) |" for s in mine))
    failed = run.failed or any(t["grader_error"] for r in run.records.values() for t in r["tests"])
    return EXIT_GRADER if failed else EXIT_OK


def cmd_feedback(args: argparse.Namespace) -> int:
    from autograder import feedback, term

    course = _course(args)
    out = course.root / "feedback"
    written = []
    for s in args.student or term.students(course):
        rec = term.load_record(course, s)
        if rec is None:
            print(f"course feedback: {s} has not been graded yet (course grade --all)", file=sys.stderr)
            continue
        written.append(feedback.write(course, s, rec, out))
    print(f"wrote {len(written)} feedback report(s) under {out}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from autograder import gradebook

    course = _course(args)
    path = gradebook.export_csv(course, Path(args.to))
    print(f"exported the gradebook to {path}")
    return EXIT_OK


def cmd_gradescope(args: argparse.Namespace) -> int:
    from autograder import gradescope

    course = _course(args)
    out = gradescope.build(course, Path(args.out), args.assignment)
    print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment"
          + (f" ({args.assignment})" if args.assignment else ""))
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from autograder import template

    course = _course(args)
    out = template.build(course, Path(args.out))
    print(f"wrote the student starter repository to {out} (no solutions, no hidden tests: checked)")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """A whole term with three simulated students in a throwaway course; prints the gradebook."""
    import csv
    import tempfile

    from autograder import demo, feedback, gradebook, term

    logging.getLogger("traitlets").setLevel(logging.WARNING)
    source = _course(args)
    with tempfile.TemporaryDirectory(prefix="course-demo-") as tmp:
        where = Path(args.keep) if args.keep else Path(tmp)
        t = demo.make_course(source, where / "course")
        print(f"A throwaway course in {t.course.root}, with its own nbgrader exchange.")
        print("1. instructor: course release        (nbgrader generate_assignment + release_assignment)")
        term.release_to_exchange(t.course, None, t.exchange)
        print(f"2. students fetch, answer and submit: {', '.join(demo.STUDENTS)}")
        for s in demo.STUDENTS:
            demo.student_does_the_work(t, s, source.root / "examples" / "students" / s)
        print("3. instructor: course collect        (nbgrader collect)")
        term.collect(t.course, None, t.exchange, check_owner=False)  # one account plays all three students
        print(f"4. instructor: course grade --all --jobs {args.jobs}" + (" --no-train" if args.no_train else ""))
        run = term.grade_class(t.course, jobs=args.jobs, train=not args.no_train)
        print("5. instructor: course feedback       (HTML per student)")
        for s, rec in sorted(run.records.items()):
            feedback.write(t.course, s, rec, t.course.root / "feedback")
        print("6. instructor: course export         (nbgrader's CSV export of the gradebook)")
        rows = list(csv.DictReader(gradebook.export_csv(t.course, t.course.root / "grades.csv").open()))
        ids = [a.id for a in t.course.assignments]
        # nbgrader's max_score counts the written answers too; they wait for a human in formgrader.
        by_hand = sum(sum(a.manual.values()) for a in t.course.assignments)
        print()
        print(f"gradebook: automatic points per assignment ({by_hand:g} more for written answers, graded by hand in formgrader)")
        print("  " + "student".ljust(9) + "".join(aid[:2].rjust(7) for aid in ids) + "   total")
        for s in demo.STUDENTS:
            mine = {r["assignment"]: float(r["score"]) for r in rows if r["student_id"] == s}
            best = {r["assignment"]: float(r["max_score"]) for r in rows if r["student_id"] == s}
            print("  " + s.ljust(9) + "".join(f"{mine.get(aid, 0):7g}" for aid in ids)
                  + f"   {sum(mine.values()):g} / {sum(best.values()) - by_hand:g}")
        for s in demo.STUDENTS:
            if s not in run.records:
                print(f"  {s}: not graded, the grader failed ({run.failed.get(s)})")
                continue
            failing = sorted({st for x in run.records[s]["tests"] if x["score"] < x["max_score"] for st in x["stubs"]})
            print(f"  {s}: " + (f"lost points on {', '.join(failing)}" if failing else "every stub passed"))
        if args.keep:
            print(f"\nkept: {t.course.root} (feedback/<student>/feedback.html, grades.csv, gradebook.db)")
    return EXIT_GRADER if run.failed else EXIT_OK


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

    p = sub.add_parser("release", help="generate assignments/ from solutions/ (nbgrader) and release them to the exchange")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--exchange", help="nbgrader exchange root (default: course.yaml's exchange)")
    p.add_argument("--no-exchange", action="store_true", help="only regenerate assignments/ (authoring)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("collect", help="collect submissions from the exchange into submitted/ (nbgrader)")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--exchange", help="nbgrader exchange root (default: course.yaml's exchange)")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("grade", help="grade one submission folder, or the whole class (--all), with the hidden tests")
    p.add_argument("submission", nargs="?", help="an assignment folder, or a folder holding several")
    p.add_argument("--all", action="store_true", help="every student in submitted/; results into autograded/ and the gradebook")
    p.add_argument("--jobs", type=int, default=1, help="students graded at once (--all)")
    p.add_argument("--shard", help="i/N: grade only the i-th of N slices of the class (--all)")
    p.add_argument("--force", action="store_true", help="regrade students whose record is up to date (--all)")
    p.add_argument("--results", help="write Gradescope's results.json here")
    p.add_argument("--junit", help="write JUnit XML here")
    p.add_argument("--assignment", action="append", help="grade only this assignment (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--no-train", action="store_true", help="leave out the LeNet training test (minutes on a CPU)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("feedback", help="write an HTML report per graded student into feedback/")
    p.add_argument("student", nargs="*", help="student ids (default: all graded)")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="export the gradebook as CSV (nbgrader's exporter)")
    p.add_argument("--to", default="grades.csv")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("gradescope", help="build a Gradescope autograder zip running this grader")
    p.add_argument("--out", default="gradescope-autograder.zip")
    p.add_argument("--assignment", help="grade only this assignment (one Gradescope assignment per zip)")
    p.set_defaults(func=cmd_gradescope)

    p = sub.add_parser("template", help="write the students' starter repository (notebooks, self-check, CI workflow)")
    p.add_argument("out", help="a new folder")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("demo", help="run a whole term with three simulated students in a throwaway course")
    p.add_argument("--no-train", action="store_true", help="leave out the LeNet training test")
    p.add_argument("--jobs", type=int, default=2, help="students graded at once")
    p.add_argument("--keep", help="build the throwaway course here and keep it")
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
    except (course_config.CourseConfigError, FileExistsError, KeyError) as exc:
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
