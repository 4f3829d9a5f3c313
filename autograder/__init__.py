"""The course grader, laid out the way a submission's data flows.

    authoring/   solutions/ → assignments/: content loading checks, `course check`, `course new`,
                 nbgrader release, the students' template, `course audit` of the hidden tests
    student/     what students run themselves: the self-check pytest plugin and the visible helpers
                 (with config.py, data.py and notebook.py: exactly what the template ships)
    runtime/     where student code runs: the bubblewrap jail, control groups, and the child side
                 (sandboxed/, the only grader code inside the jail)
    grading/     trusted judgement in the parent: intake, the submission handle, hidden tests,
                 checks, oracles, policy, training tests, one submission's scores
    term/        a term: nbgrader exchange, a class's grading run, deadlines and late penalties,
                 the gradebook, the demo term
    reports/     results out: cleaning, results.json/JUnit/records, feedback HTML, Gradescope

Shared by every role: config.py (course.yaml), data.py (Fashion-MNIST), notebook.py (cells),
cli.py (the `course` command). The engine names no assignment, notebook or stub of a course:
that is course content, under solutions/ (see grading/content.py).
"""
