"""Per-student HTML feedback: points per test, the counterexamples, training curves.

One self-contained file per student (images inlined), so it can be mailed, uploaded to an
LMS, or released through nbgrader's feedback exchange as it is. Images are inlined only from
the student's own autograded/ folder, read without following links (autograder/grading/intake.py):
a report never carries a file from anywhere else. Every text comes from the record through
report.cleaned_record (autograder/reports/clean.py), then Jinja's HTML escaping.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from pathlib import Path

from jinja2 import Environment, select_autoescape

from autograder.grading import intake

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ course.title }}: feedback for {{ student }}</title>
<style>
 body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }
 table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
 th, td { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }
 td.pts { text-align: right; white-space: nowrap; }
 tr.failed td.pts { color: #b00020; font-weight: 600; }
 tr.pending td.pts { color: #8a6d00; font-weight: 600; }
 p.pending { background: #fff4ce; padding: .5rem; }
 pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; margin: .25rem 0 0; font-size: .85rem; }
 .kind { color: #666; font-size: .8rem; }
</style></head><body>
<h1>{{ course.title }}</h1>
<p><b>{{ student }}</b>: {{ "%g"|format(record.score) }} / {{ "%g"|format(record.max_score) }} points
 from the automatic grader{% if manual %} (written answers are graded by hand and not included){% endif %}.</p>
{% if grader_note %}<p class="pending"><b>{{ grader_note }}</b></p>{% endif %}
{% if record.notes %}<h3>Notes</h3><ul>{% for n in record.notes %}<li><pre>{{ n }}</pre></li>{% endfor %}</ul>{% endif %}
{% for aid, tests in assignments %}
<h2>{{ titles[aid] }} <span class="kind">({{ aid }}: {{ "%g"|format(tests|sum(attribute="score")) }} / {{ "%g"|format(tests|sum(attribute="max_score")) }})</span></h2>
<table><tr><th>test</th><th>stubs</th><th>points</th></tr>
{% for t in tests %}<tr class="{{ 'pending' if t.grader_error else 'passed' if t.score >= t.max_score else 'failed' }}">
 <td>{{ t.test }} <span class="kind">{{ 'visible check' if t.kind == 'check' else 'hidden test' }}</span>
 {% if t.output %}<pre>{{ t.output }}</pre>{% endif %}
 {% for label, src in t.images %}<p>{{ label }}:<br><img alt="{{ label }}" src="data:image/png;base64,{{ src }}"></p>{% endfor %}</td>
 <td>{{ t.stubs|join(", ") }}</td><td class="pts">{% if t.grader_error %}pending{% else %}{{ "%g"|format(t.score) }}{% endif %} / {{ "%g"|format(t.max_score) }}</td></tr>
{% endfor %}</table>
{% endfor %}
</body></html>
"""


def _image(course, student: str, path: str) -> str | None:
    """A PNG the grader left in autograded/<student>/ (a training curve), base64; None otherwise."""
    home = Path(course.root) / "autograded" / student
    p = Path(path)
    if p.suffix != ".png" or not p.is_relative_to(home):
        return None
    try:
        return base64.b64encode(intake.read_bytes(home, p.relative_to(home).as_posix())).decode()
    except (OSError, intake.Refused):
        return None


def render(course, student: str, record: dict) -> str:
    from autograder.reports import clean, report

    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    shown = report.cleaned_record(record)
    per: dict[str, list[dict]] = defaultdict(list)
    for t in shown["tests"]:
        images = [(label, src) for label, path in (t.get("files") or {}).items()
                  if (src := _image(course, student, path)) is not None]
        per[t["assignment"]].append({**t, "images": images})
    titles = {a.id: a.title for a in course.assignments}
    manual = any(a.manual for a in course.assignments if a.id in per)
    return env.from_string(TEMPLATE).render(course=course, student=clean.name(student), record=shown,
                                            assignments=list(per.items()), titles=titles, manual=manual,
                                            grader_note=report.grader_note(shown["tests"]))


def write(course, student: str, record: dict, folder: Path) -> Path:
    path = Path(folder) / student / "feedback.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(course, student, record), encoding="utf-8")
    return path
