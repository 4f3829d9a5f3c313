"""`course`: the instructor's and CI's command line.

Exit status:
  0  the command finished: every test was graded (whatever the scores);
  2  bad usage, bad configuration, or a missing prerequisite found before grading anyone
     (Fashion-MNIST absent, no usable sandbox, limits that do not hold, a full disk): nothing
     was graded, and the message says what to do;
  3  the grader itself failed on something: a student it could not grade, or a test it could
     not run (a grader error). Those are pending, never scored as zero, and the next
     `course grade` grades them again; everything else was graded and stored.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from autograder import config as course_config

EXIT_OK, EXIT_USAGE, EXIT_GRADER = 0, 2, 3
log = logging.getLogger("autograder")


def _course(args: argparse.Namespace) -> course_config.Course:
    return course_config.load(Path(args.course).resolve() if args.course else None)


def cmd_check(args: argparse.Namespace) -> int:
    """The course against itself: course.yaml, notebooks, hidden tests, stand-ins, probes, leaks."""
    from autograder.authoring import course_check

    course = _course(args)
    problems = course_check.check(course)
    for line in problems:
        print(line)
    n = len(course.assignments)
    print(f"course check: {len(problems)} problem(s) in {n} assignment(s)" if problems
          else f"course check: {n} assignment(s), no problems")
    return EXIT_USAGE if problems else EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    """Scaffold an assignment: its folder under solutions/, its course.yaml entry, its release."""
    from autograder.authoring import release, scaffold

    course = _course(args)
    try:
        written = scaffold.new(course, args.id, args.notebook, args.stub, args.title)
    except course_config.CourseConfigError as exc:
        print(f"course new: {exc}", file=sys.stderr)
        return EXIT_USAGE
    course = course_config.load(course.root / "course.yaml")
    release.generate(course, [args.id])
    for path in written + [course.assignments_dir / args.id]:
        print(f"wrote {path.relative_to(course.root)}")
    print(f"next: edit solutions/{args.id}/, then `course check` and `course release --no-exchange {args.id}`")
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    from autograder.authoring import course_check, release
    from autograder.term import classroom as term

    course = _course(args)
    ids = args.assignment or [a.id for a in course.assignments]
    # The released folders are checked after generating; everything else before anything is written.
    problems = [p for p in course_check.check(course) if not p.startswith("assignments/")]
    if problems:
        print("course release: refused, `course check` found:\n  " + "\n  ".join(problems), file=sys.stderr)
        return EXIT_USAGE
    if args.no_exchange:
        out = release.generate(course, ids)
        print(f"generated {', '.join(ids)} into {out}")
    else:
        term.release_to_exchange(course, ids, args.exchange)
        print(f"generated {', '.join(ids)} into {course.assignments_dir} and released them to the exchange "
              f"at {args.exchange or course.exchange}")
    return EXIT_OK


def cmd_collect(args: argparse.Namespace) -> int:
    from autograder.reports import clean
    from autograder.term import classroom as term

    course = _course(args)
    found = term.collect(course, args.assignment or None, args.exchange)
    print(f"collected: {len(found)} student(s) in {term.submitted_dir(course)}: {', '.join(map(clean.name, found)) or '-'}")
    return EXIT_OK


def _preflight(command: str, course: course_config.Course, **kwargs) -> bool:
    """Check the run's prerequisites (autograder/grading/preflight.py); False, with the message printed, when one is missing."""
    from autograder.grading import preflight

    try:
        report = preflight.check(course, **kwargs)
    except preflight.NotReady as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return False
    for warning in report.warnings:
        print(f"{command}: WARNING: {warning}", file=sys.stderr)
    return True


def _step_summary(text: str) -> None:
    """GitHub Actions shows $GITHUB_STEP_SUMMARY on the run's page."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(text + "\n")


def cmd_grade(args: argparse.Namespace) -> int:
    from autograder.grading import grade, preflight
    from autograder.reports import report

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
    try:  # outside a term there is no collect timestamp: only this makes a submission late
        submitted_at = course_config.parse_when(args.submitted_at, course.timezone) if args.submitted_at else None
    except ValueError as exc:
        print(f"course grade: --submitted-at: {exc}", file=sys.stderr)
        return EXIT_USAGE
    outputs = [Path(p).resolve().parent for p in (args.results, args.junit, args.prairielearn) if p]
    if not _preflight("course grade", course, train=not args.no_train, outputs=outputs,
                      assignments=args.assignment or preflight.assignments_in(folder, course)):
        return EXIT_USAGE
    result = grade.grade(folder, course, only=args.assignment or None, train=not args.no_train,
                         workdir=Path(args.results or args.prairielearn).parent if args.results or args.prairielearn else None,
                         progress=None if args.quiet else lambda aid: print(f"grading {aid} ...", file=sys.stderr))
    if submitted_at:
        from autograder.term import deadlines

        result.lateness = deadlines.at(course, [t.assignment for t in result.tests], submitted_at)
    if args.results:
        report.write_results(result, Path(args.results), course)
    if args.junit:
        report.write_junit(result, Path(args.junit))
    if args.prairielearn:
        from autograder.reports import prairielearn

        where = Path(args.results or args.prairielearn).parent  # the workdir: the curves are there
        prairielearn.write(report.record(result), Path(args.prairielearn), images_from=where)
    _step_summary(report.markdown(result, title=str(folder)))
    print(report.table(result))
    shown = report.cleaned(result)
    if shown.notes and not args.quiet:
        print("notes:\n  " + "\n  ".join(shown.notes))
    if result.grader_errors:
        print(f"course grade: the grader could not run {', '.join(report.pending(shown.tests))}: those tests are "
              "pending, not scored; fix what their output says and grade again", file=sys.stderr)
        return EXIT_GRADER
    return EXIT_OK


def _grade_class(args: argparse.Namespace, course) -> int:
    from tqdm.auto import tqdm

    from autograder.reports import clean
    from autograder.term import classroom as term

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
    if not _preflight("course grade --all", course, train=not args.no_train, outputs=[course.root]):
        return EXIT_USAGE
    with tqdm(total=len(mine), desc="grading the class", unit="student", disable=args.quiet or None) as bar:
        run = term.grade_class(course, jobs=args.jobs, shard_spec=args.shard, train=not args.no_train,
                               force=args.force, on_done=lambda s, rec: bar.update(1))
        bar.update(len(run.skipped))
    name = {s: clean.name(s) for s in mine}  # a student id is a folder name: cleaned like any text
    pending = run.pending
    lines = [f"{'student'.ljust(20)} {'points':>15}  not graded (grader errors: pending)"]
    for s in mine:
        rec = run.records.get(s)
        if rec is None:
            lines.append(f"{name[s].ljust(20)} {'not graded':>15}  the grader failed: {clean.text(run.failed.get(s, '?'), 300)}")
            continue
        lines.append(f"{name[s].ljust(20)} {rec['score']:>7g} / {rec['max_score']:<6g}  {', '.join(pending.get(s, [])) or '-'}")
    print("\n".join(lines))
    print(f"graded {len(run.graded)}, unchanged since the last run {len(run.skipped)}; scores are in {course.root / 'gradebook.db'}")
    if run.failed:
        print(f"could not grade {len(run.failed)} student(s): {', '.join(name[s] for s in sorted(run.failed))}; "
              "their earlier grades are untouched, and `course grade --all` again retries only them", file=sys.stderr)
    if pending:
        print(f"the grader could not run some tests for {len(pending)} student(s): {', '.join(name[s] for s in sorted(pending))}; "
              "those tests are pending in the gradebook, not zero: fix what their output says, and "
              "`course grade --all` again grades them", file=sys.stderr)
    from autograder.reports.report import md

    _step_summary("| student | points |\n|---|---:|\n" + "\n".join(
        f"| {md(name[s])} | {run.records[s]['score']:g} / {run.records[s]['max_score']:g}"
        + (" (some tests pending: grader error)" if s in pending else "") + " |" if s in run.records
        else f"| {md(name[s])} | not graded (grader failure) |" for s in mine))
    return EXIT_GRADER if run.failed or pending else EXIT_OK


def cmd_extend(args: argparse.Namespace) -> int:
    """One student's extension, written as one line under course.yaml's `extensions:`."""
    from autograder.term import deadlines

    course = _course(args)
    line, due = deadlines.extend(course, args.assignment, args.student, until=args.until, days=args.days)
    was = course.due_at(args.assignment)
    print(f"course.yaml: {line.strip()}")
    print(f"{args.student}'s deadline for {args.assignment}: {deadlines.show(due)} (everyone else's: {deadlines.show(was)})")
    print("`course grade --all` applies it to the records and the gradebook (nobody is regraded for it)")
    return EXIT_OK


def cmd_feedback(args: argparse.Namespace) -> int:
    from autograder.reports import clean, feedback
    from autograder.term import classroom as term

    course = _course(args)
    out = course.root / "feedback"
    written, failed = [], []
    for s in args.student or term.students(course):
        rec = term.load_record(course, s)
        if rec is None:
            print(f"course feedback: {clean.name(s)} has not been graded yet (course grade --all)", file=sys.stderr)
            continue
        try:
            written.append(feedback.write(course, s, rec, out))
        except Exception as exc:  # noqa: BLE001 - one student's page must not stop the class's
            log.error("course feedback: %s", clean.name(s), exc_info=exc)
            failed.append(clean.name(s))
    print(f"wrote {len(written)} feedback report(s) under {out}")
    if failed:
        print(f"course feedback: could not write the report of {', '.join(failed)} (see the error above); "
              "the others are written", file=sys.stderr)
        return EXIT_GRADER
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from autograder.term import gradebook

    course = _course(args)
    if args.format != "nbgrader":
        return _export_lms(args, course)
    path = gradebook.export_csv(course, Path(args.to))
    print(f"exported the gradebook to {path}")
    return EXIT_OK


def cmd_gradescope(args: argparse.Namespace) -> int:
    from autograder.reports import gradescope

    course = _course(args)
    out = gradescope.build(course, Path(args.out), args.assignment)
    print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment"
          + (f" ({args.assignment})" if args.assignment else ""))
    return EXIT_OK


def _export_lms(args: argparse.Namespace, course) -> int:
    """Canvas, Moodle or a keyed CSV from the gradebook, through a roster (autograder/reports/lms.py)."""
    from autograder.reports import lms

    if not args.roster:
        print(f"course export: --format {args.format} needs --roster ROSTER.csv (student_id and the LMS's ids)", file=sys.stderr)
        return EXIT_USAGE
    done = lms.export(course, Path(args.roster), Path(args.to), args.format, args.key, args.missing_as_zero)
    print(f"exported {done.written} student(s) for {args.format} to {done.path}")
    for line in lms.summary(done):
        print(f"course export: {line}", file=sys.stderr)
    return EXIT_OK


def cmd_prairielearn(args: argparse.Namespace) -> int:
    from autograder.reports import prairielearn

    course = _course(args)
    out = prairielearn.build(course, Path(args.out), args.assignment, image=args.image)
    print(f"wrote a PrairieLearn starter to {out}: build and push image/ (its Dockerfile), copy questions/ and "
          f"serverFilesCourse/ into your PrairieLearn course, and name the pushed image with --image (now {args.image})")
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from autograder.authoring import template

    course = _course(args)
    out = template.build(course, Path(args.out))
    print(f"wrote the student starter repository to {out} (no solutions, no hidden tests: checked)")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """A whole term with three simulated students in a throwaway course; prints the gradebook."""
    import csv
    import tempfile

    from autograder import data
    from autograder.reports import clean, feedback
    from autograder.term import classroom as term, demo, gradebook

    logging.getLogger("traitlets").setLevel(logging.WARNING)
    source = _course(args)

    def fetch(root: Path) -> None:
        print(f"Fashion-MNIST is not under {root} yet: downloading it there (about 30 MB) ...", file=sys.stderr)
        data.download(root)

    # Before anyone is graded: the data (fetched when online), the sandbox, the limits.
    if not _preflight("course demo", source, train=not args.no_train, download=fetch,
                      outputs=[Path(args.keep)] if args.keep else []):
        return EXIT_USAGE
    with tempfile.TemporaryDirectory(prefix="course-demo-") as tmp:
        where = Path(args.keep) if args.keep else Path(tmp)
        t = demo.make_course(source, where / "course")
        print(f"A throwaway course in {t.course.root}, with its own nbgrader exchange.")
        print("0. instructor: deadlines\n   " + "\n   ".join(demo.set_deadlines(t)))
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
        pending = run.pending
        for s in demo.STUDENTS:
            if s not in run.records:
                print(f"  {s}: not graded, the grader failed ({clean.text(run.failed.get(s), 300)})")
                continue
            tests = run.records[s]["tests"]
            failing = sorted({st for x in tests if x["score"] < x["max_score"] and not x.get("grader_error") for st in x["stubs"]})
            line = (f"lost points on {', '.join(failing)}" if failing
                    else "every graded stub passed" if s in pending else "every stub passed")
            if s in pending:
                line += f"; not graded yet (grader error, pending): {', '.join(pending[s])}"
            late = [f"{aid} {x['text']}" for aid, x in (run.records[s].get("late") or {}).items()]
            print(f"  {s}: {line}" + (f"; {'; '.join(late)}" if late else ""))
        if pending:
            errors = [x for s in pending for x in run.records[s]["tests"] if x.get("grader_error")]
            first = next((x["output"] for x in errors if x.get("kind") != "check"), errors[0]["output"])
            print(f"\nThe grader could not run some tests (their points are pending, not lost): {clean.text(first, 500)}")
        _demo_lms(t, run)
        if args.keep:
            print(f"\nkept: {t.course.root} (feedback/<student>/feedback.html, grades.csv, gradebook.db)")
    return EXIT_GRADER if run.failed or pending else EXIT_OK


def _demo_lms(t, run) -> None:
    """The demo's last steps: the Canvas CSV through a roster, and what PrairieLearn would get for alice."""
    from autograder.reports import lms
    from autograder.term import demo

    roster = demo.write_roster(t)
    print("\n7. instructor: course export --format canvas --roster roster.csv --to canvas.csv")
    done = lms.export(t.course, roster, t.course.root / "canvas.csv", "canvas")
    header = done.path.read_text(encoding="utf-8").splitlines()[0]
    print(f"  {done.written} student(s), header: {header[:100]}{' ...' if len(header) > 100 else ''}")
    for line in lms.summary(done):
        print(f"  {line}")
    moodle = lms.export(t.course, roster, t.course.root / "moodle.csv", "moodle", "email")
    print(f"   and --format moodle --key email --to moodle.csv: {moodle.written} student(s), "
          f"first column {moodle.path.read_text(encoding='utf-8').split(',', 1)[0]!r}")
    aid = next((a.id for a in t.course.assignments if a.training), t.course.assignments[0].id)
    if "alice" in run.records:
        path = demo.prairielearn_results(t, "alice", run.records["alice"], aid)
        res = json.loads(path.read_text(encoding="utf-8"))
        images = sum(len(x.get("images", [])) for x in res["tests"])
        print(f"8. PrairieLearn results.json for alice's {aid}: gradable {str(res['gradable']).lower()}, "
              f"score {res.get('score', '-')}, {len(res['tests'])} tests, {images} image(s)")


def cmd_data(args: argparse.Namespace) -> int:
    """Where Fashion-MNIST is (or must go), whether it is there; --download fetches it (online)."""
    from autograder import data

    course = _course(args)
    root, source = course.data_path(), course.data_source()
    if data.present(root):
        print(f"Fashion-MNIST: {root} ({source}): present")
        return EXIT_OK
    if not args.download:
        print(f"Fashion-MNIST: {root} ({source}): missing. Run `course data --download` while online, or set "
              f"{course_config.DATA_ROOT_ENV} to a folder holding FashionMNIST/raw.", file=sys.stderr)
        return EXIT_USAGE
    print(f"downloading Fashion-MNIST into {root} ({source}) ...")
    try:
        data.download(root)
    except course_config.GraderUnavailable as exc:
        print(f"course data: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not data.present(root):
        print(f"course data: the download finished but Fashion-MNIST is still not readable under {root}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Fashion-MNIST: {root} ({source}): present")
    return EXIT_OK


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Train an assignment's reference network over several seeds and recommend a threshold."""
    from tqdm.auto import tqdm

    from autograder.grading import trained

    course = _course(args)
    try:
        spec = trained.spec(course, course.assignment(args.assignment).id)
    except (KeyError, course_config.CourseConfigError) as exc:
        print(f"course calibrate: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    with tqdm(total=args.seeds, desc=f"reference {spec.target} on {trained.device()}", unit="run") as bar:
        def step(seed: int, acc: float) -> None:
            bar.update(1)
            bar.set_postfix(seed=seed, acc=f"{acc:.4f}")

        cal = trained.calibrate(course, args.assignment, args.seeds, margin=args.margin, on_run=step)
    print(cal.summary())
    print(f"course.yaml now has threshold {spec.threshold:.2f}")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    """Mutation analysis of the hidden tests: how many plausible wrong answers do they catch?"""
    from tqdm.auto import tqdm

    from autograder.authoring.audit import report, runner, session

    course = _course(args)
    course_file = Path(args.course).resolve() if args.course else course_config.find_course_file()
    with tqdm(desc="mutants judged", unit="mutant", disable=args.quiet) as bar:
        def step(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        audit = session.run(course, course_file, assignments=args.assignment, stubs=args.stub,
                            max_mutants=args.max_mutants, jobs=max(1, args.jobs), progress=step)
    originals = {s.stub: runner.reference_source(course, s.aid, s.stub) for s in audit.stubs}
    if args.json:
        Path(args.json).write_text(report.as_json(audit, originals))
    if args.html:
        Path(args.html).write_text(report.as_html(audit, originals))
    print(report.table(audit))
    broken = [s.stub for s in audit.stubs if s.reference_failing]
    if broken:
        print(f"course audit: the reference solution fails its own tests for {', '.join(broken)}", file=sys.stderr)
        return EXIT_GRADER
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__.splitlines()[0])
    parser.add_argument("--course", help="path to course.yaml (default: the nearest one)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("new", help="scaffold an assignment (notebook, hidden tests, course.yaml entry) that checks out")
    p.add_argument("id", help="the assignment id, e.g. 08_attention")
    p.add_argument("--notebook", required=True, help="the notebook's name (without .ipynb is fine)")
    p.add_argument("--stub", action="append", required=True, help="a stub's name (repeatable)")
    p.add_argument("--title", help="the assignment's title (default: from the id)")
    p.set_defaults(func=cmd_new)
    p = sub.add_parser("check", help="check the course against itself (course.yaml, notebooks, hidden tests, leaks)")
    p.set_defaults(func=cmd_check)
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
    p.add_argument("--prairielearn", help="write PrairieLearn's external-grader results.json here")
    p.add_argument("--assignment", action="append", help="grade only this assignment (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--no-train", action="store_true", help="leave out training tests (minutes on a CPU)")
    p.add_argument("--submitted-at", metavar="WHEN", help="when it was submitted ('2026-10-03 23:59 Europe/Berlin', ISO 8601 too): "
                   "applies course.yaml's due dates and late policy (default: on time)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("extend", help="give one student a later deadline for one assignment (one line in course.yaml)")
    p.add_argument("assignment", help="the assignment id")
    p.add_argument("student", help="the student id (as in submitted/)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--until", metavar="WHEN", help="the new deadline, '2026-10-10 23:59' (course.yaml's timezone unless it names one)")
    g.add_argument("--days", type=float, help="days after the due date, on the wall clock (23:59 stays 23:59 across DST)")
    p.set_defaults(func=cmd_extend)

    p = sub.add_parser("feedback", help="write an HTML report per graded student into feedback/")
    p.add_argument("student", nargs="*", help="student ids (default: all graded)")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="export the gradebook as CSV (nbgrader's exporter, or for Canvas/Moodle)")
    p.add_argument("--to", default="grades.csv")
    p.add_argument("--format", choices=("nbgrader", "canvas", "moodle", "csv"), default="nbgrader",
                   help="nbgrader's CSV (default), Canvas's or Moodle's grade import, or a CSV keyed by --key")
    p.add_argument("--roster", help="CSV mapping student_id to the LMS's ids (see the README: LMS export)")
    p.add_argument("--key", help="the roster column identifying students (--format csv; moodle: email, username or idnumber)")
    p.add_argument("--missing-as-zero", action="store_true", help="write 0, not blank, for a roster student with no submission")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("prairielearn", help="write a PrairieLearn external-grader starter (questions, run script, image)")
    p.add_argument("--out", default="prairielearn")
    p.add_argument("--assignment", help="only this assignment (its run script grades only it)")
    p.add_argument("--image", default="YOUR_DOCKERHUB_USER/cnn-course-grader", help="the grading image's name in info.json")
    p.set_defaults(func=cmd_prairielearn)

    p = sub.add_parser("gradescope", help="build a Gradescope autograder zip running this grader")
    p.add_argument("--out", default="gradescope-autograder.zip")
    p.add_argument("--assignment", help="grade only this assignment (one Gradescope assignment per zip)")
    p.set_defaults(func=cmd_gradescope)

    p = sub.add_parser("template", help="write the students' starter repository (notebooks, self-check, CI workflow)")
    p.add_argument("out", help="a new folder")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("demo", help="run a whole term with three simulated students in a throwaway course")
    p.add_argument("--no-train", action="store_true", help="leave out training tests")
    p.add_argument("--jobs", type=int, default=2, help="students graded at once")
    p.add_argument("--keep", help="build the throwaway course here and keep it")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("data", help="where Fashion-MNIST is and whether it is there; --download fetches it (online)")
    p.add_argument("--download", action="store_true", help="download it into the data root when it is missing")
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("calibrate", help="train an assignment's reference network over several seeds; recommend a threshold")
    p.add_argument("assignment", help="an assignment with a training: section in course.yaml")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--margin", type=float, default=0.03, help="kept below the worst reference run")
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser("audit", help="mutation analysis: how many wrong versions of each stub the hidden tests catch")
    p.add_argument("--assignment", action="append", help="audit only this assignment (repeatable)")
    p.add_argument("--stub", action="append", help="audit only this stub (repeatable)")
    p.add_argument("--max-mutants", type=int, help="at most this many mutants per stub, spread over the operators")
    p.add_argument("--jobs", type=int, default=1, help="worker processes, each with its own sandbox")
    p.add_argument("--json", help="write the full results as JSON here")
    p.add_argument("--html", help="write a browsable report here")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_audit)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return args.func(args)
    except (course_config.CourseConfigError, FileExistsError, KeyError) as exc:
        print(f"course: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except course_config.GraderUnavailable as exc:  # a prerequisite missing (calibrate without the data, ...)
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
