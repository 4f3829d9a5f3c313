"""Per-student HTML feedback: the page a student reads after grading.

One self-contained file per student (inline CSS, images inlined as data: URLs, no script, nothing
fetched), so it can be mailed, uploaded to an LMS, or released through nbgrader's feedback
exchange as it is. It shows the total and each assignment's points with a bar, a stub-by-stub
summary, every failing test with its counterexample, and the training curve.

Images are inlined only from the student's own autograded/ folder, read without following links
(autograder/grading/intake.py): a report never carries a file from anywhere else. Every text comes
from the record through report.cleaned_record (autograder/reports/clean.py), then Jinja's HTML
escaping (autoescape is on for the whole template; nothing is marked safe).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from autograder.grading import intake
from autograder.reports import images

STYLE = """
:root{--ok:#1a7f37;--bad:#c62828;--part:#b26a00;--wait:#8a6d00;--line:#d8dee4;--muted:#57606a}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:62rem;margin:0 auto;padding:1.5rem;color:#1f2328;background:#f6f8fa}
header,section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1rem 1.25rem;margin-bottom:1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:0}h3{font-size:.95rem;margin:1rem 0 .4rem}
.muted{color:var(--muted);font-size:.85rem}
.total{font-size:1.25rem;font-weight:600;margin:.5rem 0 .25rem}
.bar{height:.6rem;background:#eaeef2;border-radius:4px;overflow:hidden;min-width:6rem}
.bar>span{display:block;height:100%;background:var(--ok)}
.bar.partial>span{background:var(--part)}.bar.zero>span{background:var(--bad)}
.head-note{margin:.5rem 0 0;padding:.5rem .75rem;border-radius:6px;background:#fff8c5;border:1px solid #e7d57a}
table{border-collapse:collapse;width:100%}
td,th{padding:.3rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}
th{font-size:.8rem;color:var(--muted);font-weight:600}
td.pts,th.pts{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums;width:7rem}
td.barcell{width:30%}
.sec-head{display:flex;justify-content:space-between;align-items:baseline;gap:1rem}
.chip{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:.78rem;font-weight:600;border:1px solid}
.chip.passed{color:var(--ok);border-color:var(--ok)}.chip.failed{color:var(--bad);border-color:var(--bad)}
.chip.pending{color:var(--wait);border-color:var(--wait)}
.test{border-left:4px solid var(--bad);padding:.4rem .75rem;margin:.6rem 0;background:#fff5f5;border-radius:0 6px 6px 0}
.test.pending{border-color:var(--wait);background:#fffbe6}.test.passed{border-color:var(--ok);background:#f3fbf5}
.test .name{font-weight:600;overflow-wrap:anywhere}
pre{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere;
background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:.5rem .7rem;margin:.4rem 0 0;max-height:28rem;overflow:auto}
ul.passed{columns:2 18rem;margin:.25rem 0;padding-left:1.2rem;font-size:.88rem}
ul.passed li::marker{content:"\\2713  ";color:var(--ok)}
figure{margin:.6rem 0 0}figure img{max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px;background:#fff}
figcaption{font-size:.85rem;color:var(--muted)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
"""

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ course.title }}: feedback for {{ student }}</title>
<style>""" + STYLE + """</style></head><body>
{%- macro bar(got, best) -%}
{%- set pct = (100 * got / best) if best else 100 -%}
<div class="bar {{ 'zero' if got <= 0 and best > 0 else 'partial' if got < best else 'full' }}" role="img"
 aria-label="{{ '%g'|format(got) }} of {{ '%g'|format(best) }} points"><span style="width:{{ '%.1f'|format(pct) }}%"></span></div>
{%- endmacro %}
<header>
 <h1>{{ course.title }}</h1>
 <div class="muted">Feedback from the automatic grader for <b>{{ student }}</b></div>
 <div class="total">{{ "%g"|format(record.score) }} / {{ "%g"|format(record.max_score) }} points</div>
 {{ bar(record.score, record.max_score) }}
 {% if manual %}<p class="muted">Written answers are graded by hand and are not included here.</p>{% endif %}
 {% for line in header_lines %}<p class="head-note">{{ line }}</p>{% endfor %}
</header>
{% if record.notes %}<section><h2>Notes</h2>{% for n in record.notes %}<pre>{{ n }}</pre>{% endfor %}</section>{% endif %}
<section><h2>Points per assignment</h2>
<table><tr><th>assignment</th><th class="pts">points</th><th></th><th>status</th></tr>
{% for a in assignments %}<tr><td><a href="#{{ a.anchor }}">{{ a.title }}</a></td>
<td class="pts">{{ "%g"|format(a.score) }} / {{ "%g"|format(a.max_score) }}</td><td class="barcell">{{ bar(a.score, a.max_score) }}</td>
<td>{% if a.pending %}<span class="chip pending">pending</span>{% elif a.failed %}<span class="chip failed">{{ a.failed|length }} test{{ 's' if a.failed|length != 1 }} failing</span>{% else %}<span class="chip passed">all passed</span>{% endif %}</td></tr>
{% endfor %}</table></section>
{% for a in assignments %}
<section id="{{ a.anchor }}">
 <div class="sec-head"><h2>{{ a.title }}</h2><span class="muted">{{ a.id }} &middot; {{ "%g"|format(a.score) }} / {{ "%g"|format(a.max_score) }} points</span></div>
 <h3>By stub</h3>
 <table><tr><th>stub</th><th class="pts">tests passed</th><th></th><th>status</th></tr>
 {% for s in a.stubs %}<tr><td><code>{{ s.name }}</code></td><td class="pts">{{ s.passed }} / {{ s.total }}</td>
 <td class="barcell">{{ bar(s.passed, s.total) }}</td>
 <td><span class="chip {{ s.state }}">{{ 'pending' if s.state == 'pending' else 'passed' if s.state == 'passed' else 'failing' }}</span></td></tr>
 {% endfor %}</table>
 {% for t in a.shown %}
 <div class="test {{ t.state }}">
  <div class="name">{{ t.test }} <span class="chip {{ t.state }}">{% if t.state == 'pending' %}pending{% else %}{{ "%g"|format(t.score) }} / {{ "%g"|format(t.max_score) }}{% endif %}</span>
  <span class="muted">{{ 'visible check' if t.kind == 'check' else 'hidden test' }}{% if t.stubs %} &middot; {{ t.stubs|join(", ") }}{% endif %}</span></div>
  {% if t.summary %}<p>{{ t.summary }}</p>{% endif %}
  {% if t.output %}<pre>{{ t.output }}</pre>{% endif %}
  {% for label, src in t.images %}<figure><img alt="{{ label }}" src="data:image/png;base64,{{ src }}"><figcaption>{{ label }}</figcaption></figure>{% endfor %}
 </div>
 {% endfor %}
 {% if a.passed %}<h3>Passed</h3><ul class="passed">{% for t in a.passed %}<li>{{ t.test }}</li>{% endfor %}</ul>{% endif %}
</section>
{% endfor %}
</body></html>
"""


def _image(course, student: str, path: str) -> str | None:
    """A PNG the grader left in autograded/<student>/ (a training curve), base64; None otherwise."""
    return images.png_base64(path, Path(course.root) / "autograded" / student, intake.MAX_FILE_BYTES)


def _state(t: dict) -> str:
    return "pending" if t.get("grader_error") else "passed" if t["score"] >= t["max_score"] else "failed"


def _training_summary(metrics: dict) -> str:
    """The grader's own figures of a training test, as one plain sentence ("" without them)."""
    acc = metrics.get("test_accuracy")
    if not isinstance(acc, (int, float)):
        return ""
    parts = [f"Test accuracy {acc:.4f} (measured by the grader)"]
    if isinstance(metrics.get("epochs"), (int, float)):
        parts.append(f"after {metrics['epochs']:g} epoch(s)")
    if isinstance(metrics.get("final_train_loss"), (int, float)):
        parts.append(f"final train loss {metrics['final_train_loss']:.4f} (as your run reported it)")
    return ", ".join(parts) + "."


def _stubs(tests: list[dict]) -> list[dict]:
    """Each stub with how many of the tests tagged with it passed; pending if any could not run."""
    per: dict[str, list[dict]] = defaultdict(list)
    for t in tests:
        for s in t.get("stubs") or []:
            per[s].append(t)
    rows = []
    for name, ts in per.items():
        states = [t["state"] for t in ts]
        state = "failed" if "failed" in states else "pending" if "pending" in states else "passed"
        rows.append({"name": name, "passed": states.count("passed"), "total": len(ts), "state": state})
    return rows


def header_lines(course, student: str, record: dict) -> list[str]:
    """Plain-text lines shown under the total in the page's header (escaped when rendered).

    The place for anything about the submission as a whole: the grader's note when some tests
    could not run, and (for whoever adds it) lateness."""
    from autograder.reports import report

    note = report.grader_note(record.get("tests", []))
    return ([note] if note else []) + lateness_lines(record)


def lateness_lines(record: dict) -> list[str]:
    """One line per late assignment (or one whose submission time is unknown), from the record's
    `late` (autograder/term/deadlines.py): "<assignment>: submitted 1 day 3 h late: −10% (−3.3 points)"."""
    out = []
    for aid, late in (record.get("late") or {}).items():
        if late.get("seconds_late") or late.get("note"):
            cost = late.get("penalty") or 0
            out.append(f"{aid}: {late.get('text', '')}" + (f" (−{cost:g} points; the total above is after it)" if cost else ""))
    return out


def render(course, student: str, record: dict) -> str:
    from autograder.reports import clean, report

    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    shown = report.cleaned_record(record)
    per: dict[str, list[dict]] = defaultdict(list)
    for t in shown["tests"]:
        images = [(label, src) for label, path in (t.get("files") or {}).items()
                  if (src := _image(course, student, path)) is not None]
        per[t["assignment"]].append({**t, "images": images, "state": _state(t),
                                     "summary": _training_summary(t.get("metrics") or {})})
    titles = {a.id: a.title for a in course.assignments}
    assignments: list[dict[str, Any]] = []
    for i, (aid, tests) in enumerate(per.items()):
        assignments.append({
            "id": aid, "title": titles.get(aid, aid), "anchor": f"a{i}",
            "score": sum(t["score"] for t in tests), "max_score": sum(t["max_score"] for t in tests),
            "pending": any(t["state"] == "pending" for t in tests),
            "failed": [t for t in tests if t["state"] == "failed"],
            # Failing and pending tests in full; passing ones in full only when they carry a figure or a plot.
            "shown": [t for t in tests if t["state"] != "passed" or t["images"] or t["summary"]],
            "passed": [t for t in tests if t["state"] == "passed" and not (t["images"] or t["summary"])],
            "stubs": _stubs(tests),
        })
    manual = any(a.manual for a in course.assignments if a.id in per)
    return env.from_string(TEMPLATE).render(course=course, student=clean.name(student), record=shown,
                                            assignments=assignments, manual=manual,
                                            header_lines=header_lines(course, student, shown))


def write(course, student: str, record: dict, folder: Path) -> Path:
    path = Path(folder) / student / "feedback.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(course, student, record), encoding="utf-8")
    return path
