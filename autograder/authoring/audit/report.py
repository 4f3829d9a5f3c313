"""An audit's numbers for people: a terminal table, JSON for tools, an HTML page to browse.

Scores are over the mutants not found equivalent. Three judges side by side: the hidden
tests, the notebook's visible checks, and the single worked example (the baseline of a
hand-made assignment). A mutant the visible checks kill but the hidden tests miss breaks
visible ⊆ hidden, and is listed first.
"""

from __future__ import annotations

import html
import json
from typing import Any

from autograder.authoring.audit.session import Audit, StubReport

JUDGES = (("hidden", "hidden tests"), ("visible", "visible checks"), ("example", "one worked example"))


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def table(audit: Audit) -> str:
    head = f"{'stub':<26} {'mutants':>7} {'equiv':>5} {'surv':>4}  " + "  ".join(f"{label:>18}" for _, label in JUDGES)
    rows = [head, "-" * len(head)]
    for s in audit.stubs:
        if s.reference_failing:
            rows.append(f"{s.stub:<26} reference fails: {', '.join(s.reference_failing)}")
            continue
        rows.append(f"{s.stub:<26} {s.count('mutants'):>7} {s.count('equivalent'):>5} {s.count('survivors'):>4}  "
                    + "  ".join(f"{_pct(s.score(j)):>18}" for j, _ in JUDGES))
    rows.append("-" * len(head))
    rows.append(f"{'all stubs':<26} {audit.total('mutants'):>7} {audit.total('equivalent'):>5} {audit.total('survivors'):>4}  "
                + "  ".join(f"{_pct(audit.score(j)):>18}" for j, _ in JUDGES))
    out = "\n".join(rows)
    gaps = [(s, j) for s in audit.stubs for j in s.judged if j.visible and not j.hidden]
    if gaps:
        out += "\n\nvisible ⊆ hidden broken: the visible checks kill these, the hidden tests do not:\n"
        out += "\n".join(f"  {s.stub}: {j.mutant.operator} at line {j.mutant.line}: {j.mutant.description}" for s, j in gaps)
    equivalents = [(s, j) for s in audit.stubs for j in s.judged if j.equivalent is True]
    if equivalents:
        out += "\n\nequivalent (listed apart, not counted):\n"
        out += "\n".join(f"  {s.stub}: {j.mutant.description}: "
                          + (j.explained or f"same results as the reference on {s.checked_inputs} inputs")
                          + (f" (it differs on {j.witness})" if j.witness else "")
                          for s, j in equivalents)
    stale = [(s.stub, d) for s in audit.stubs for d in s.stale]
    if stale:
        out += "\n\nexplained equivalents that no generated mutant matches any more (update the list):\n"
        out += "\n".join(f"  {stub}: {d}" for stub, d in stale)
    survivors = [(s, j) for s in audit.stubs for j in s.judged if not j.hidden and j.equivalent is not True]
    if survivors:
        out += "\n\nsurvivors (not killed by the hidden tests, not shown equivalent):\n"
        for s, j in survivors:
            out += f"  {s.stub}: {j.mutant.operator} at line {j.mutant.line}: {j.mutant.description}\n"
            if j.witness:
                out += f"      differs from the reference on {j.witness}\n"
    out += f"\n{audit.total('mutants')} mutants in {audit.seconds:.0f} s with {audit.jobs} job(s)"
    return out


def _judged(j: Any, original: str) -> dict:
    m = j.mutant
    return {"operator": m.operator, "kind": m.kind, "line": m.line, "description": m.description,
            "killed_by": {"hidden": j.hidden, "visible": j.visible, "example": j.example},
            "cell_error": j.error, "equivalent": j.equivalent, "explained": j.explained, "witness": j.witness,
            "seconds": round(j.seconds, 3), "diff": m.diff(original)}


def as_json(audit: Audit, originals: dict[str, str]) -> str:
    def stub(s: StubReport) -> dict:
        return {"assignment": s.aid, "stub": s.stub, "reference_failing": s.reference_failing,
                "counts": {k: s.count(k) for k in ("mutants", "equivalent", "survivors", "hidden", "visible", "example", "visible_only")},
                "scores": {j: s.score(j) for j, _ in JUDGES}, "equivalence_inputs": s.checked_inputs,
                "mutants": [_judged(j, originals.get(s.stub, "")) for j in s.judged]}

    return json.dumps({"scores": {j: audit.score(j) for j, _ in JUDGES},
                       "counts": {k: audit.total(k) for k in ("mutants", "equivalent", "survivors", "visible_only")},
                       "seconds": round(audit.seconds, 1), "jobs": audit.jobs,
                       "stubs": [stub(s) for s in audit.stubs]}, indent=1)


def as_html(audit: Audit, originals: dict[str, str]) -> str:
    e = html.escape
    rows = []
    for s in audit.stubs:
        cells = "".join(f"<td>{_pct(s.score(j))}</td>" for j, _ in JUDGES)
        rows.append(f"<tr><td><a href='#{e(s.stub)}'>{e(s.stub)}</a></td><td>{s.count('mutants')}</td>"
                    f"<td>{s.count('equivalent')}</td><td>{s.count('survivors')}</td>{cells}</tr>")
    total = "".join(f"<th>{_pct(audit.score(j))}</th>" for j, _ in JUDGES)
    rows.append(f"<tr><th>all stubs</th><th>{audit.total('mutants')}</th><th>{audit.total('equivalent')}</th>"
                f"<th>{audit.total('survivors')}</th>{total}</tr>")
    details = []
    for s in audit.stubs:
        items = []
        for j in s.judged:
            status = ("killed" if j.hidden else "equivalent" if j.equivalent else "SURVIVED")
            killers = ", ".join(label for key, label in JUDGES if getattr(j, key)) or "nothing"
            witness = (f"<p>differs on <code>{e(j.witness)}</code></p>" if j.witness else
                       f"<p>equivalent: {e(j.explained)}</p>" if j.explained else "")
            items.append(f"<details class='{status.lower()}'><summary>{status}: {e(j.mutant.operator)} "
                         f"(line {j.mutant.line}) {e(j.mutant.description)} — caught by {e(killers)}</summary>"
                         f"{witness}<pre>{e(j.mutant.diff(originals.get(s.stub, '')))}</pre></details>")
        failing = f"<p class='bad'>the reference fails: {e(', '.join(s.reference_failing))}</p>" if s.reference_failing else ""
        details.append(f"<h2 id='{e(s.stub)}'>{e(s.aid)} / {e(s.stub)}</h2>{failing}{''.join(items)}")
    head = "".join(f"<th>{e(label)}</th>" for _, label in JUDGES)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>course audit</title><style>
body{{font-family:system-ui,sans-serif;margin:2em;max-width:70em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.2em .6em;text-align:right}} td:first-child{{text-align:left}}
details{{margin:.3em 0}} .survived summary{{color:#b00;font-weight:bold}} .equivalent summary{{color:#a60}}
.killed summary{{color:#070}} pre{{background:#f6f6f6;padding:.5em;overflow:auto}} .bad{{color:#b00}}
</style></head><body><h1>Mutation audit of the hidden tests</h1>
<p>{audit.total('mutants')} mutants of the reference solutions; scores count the mutants each judge kills,
over those not found equivalent. {audit.seconds:.0f} s with {audit.jobs} job(s).</p>
<table><tr><th>stub</th><th>mutants</th><th>equivalent</th><th>survivors</th>{head}</tr>{''.join(rows)}</table>
{''.join(details)}</body></html>"""
