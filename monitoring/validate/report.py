"""One self-contained HTML report of a validation run (``report.html``).

Inline CSS and inline SVG only: no script, no font, no image, no link to fetch, so
the file opens anywhere without a network. It shows the pooled, subject-mean and
per-subject SzCORE tables (event scoring, then sample scoring), the
suppression-ratio error per recording, per subject and pooled, each recording's
row (or its failure reason), a timeline per recording (reference seizures,
detected seizures, reference pattern rows and detected ACNS pattern episodes) with
its suppression-ratio sparkline, the onset latency histogram, false alarms per hour
by subject, and the suppression-ratio trend, reference against monitor, of every
recording with a suppression reference.
"""

from __future__ import annotations

import csv
import html
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rse_monitor.monitoring.validate.tasks import output_paths

if TYPE_CHECKING:
    from rse_monitor.monitoring.validate.run import ValidationRun
    from rse_monitor.monitoring.validate.scores import RecordingScore

__all__ = ["write_report", "pattern_episodes"]

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:2px 8px;text-align:right}
th{background:#eee}td:first-child,th:first-child,#recordings td{text-align:left}
tr.failed td{color:#a00}.muted{color:#777}.rec{margin:1em 0;page-break-inside:avoid}
.rec h3{font-size:1em;margin:.2em 0}svg text{font:10px sans-serif}
.legend span{display:inline-block;margin-right:1em}
.sw{display:inline-block;width:10px;height:10px;margin-right:3px;vertical-align:middle}
"""
_REF, _DET, _PAT, _REF_PAT = "#d62728", "#1f77b4", "#ff7f0e", "#9467bd"
_W, _LEFT = 820, 80


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _f(value: Any, spec: str = ".3f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format(value, spec)


def pattern_episodes(events_tsv: Path | str | None) -> list[tuple[float, float, str]]:
    """``(onset_s, duration_s, eventType)`` of the non-seizure, non-background rows
    (ACNS pattern episodes: ``lpd``, ``grda``, ...) of an events TSV; empty for
    anything else (None, an EDF+ reference, ``summary::record``)."""
    out: list[tuple[float, float, str]] = []
    if events_tsv is None or "::" in str(events_tsv):
        return out
    events_tsv = Path(events_tsv)
    if events_tsv.suffix.lower() != ".tsv":
        return out
    try:
        with events_tsv.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                kind = (row.get("eventType") or "").strip()
                if kind and kind != "bckg" and not kind.lower().startswith("sz"):
                    out.append((float(row["onset"]), float(row["duration"] or 0), kind))
    except (OSError, ValueError, KeyError):
        return []
    return out


# ----------------------------------------------------------------------------- tables
_SCORE_HEAD = ("", "records", "hours", "ref", "det", "TP", "FP", "sensitivity", "precision",
               "F1", "FA/24 h", "FA/h", "median latency s")  # fmt: skip


def _score_cells(name: str, r: dict[str, Any]) -> str:
    cells = (
        name, r["n_records"], _f(r["total_duration_s"] / 3600, ".2f"), r["n_ref"], r["n_hyp"],
        r["n_true_positive"], r["n_false_positive"], _f(r["sensitivity"]), _f(r["precision"]),
        _f(r["f1"]), _f(r["false_alarms_per_24h"], ".2f"),
        _f(r["false_alarms_per_24h"] / 24, ".3f"), _f(r["median_onset_latency_s"], ".1f"),
    )  # fmt: skip
    return "".join(f"<td>{_e(c)}</td>" for c in cells)


def _table(table_id: str, rows: Iterable[tuple[str, dict[str, Any]]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in _SCORE_HEAD)
    body = "".join(f'<tr data-id="{_e(n)}">{_score_cells(n, r)}</tr>' for n, r in rows)
    return f'<table id="{table_id}"><tr>{head}</tr>{body}</table>'


_SAMPLE_HEAD = ("", "records", "hours", "ref s", "det s", "TP s", "FP s", "sensitivity",
                "precision", "F1", "FP s/24 h")  # fmt: skip


def _sample_table(table_id: str, rows: Iterable[tuple[str, dict[str, Any]]]) -> str:
    """Sample-scoring rows: counts are 1-s samples."""
    head = "".join(f"<th>{_e(h)}</th>" for h in _SAMPLE_HEAD)
    body = []
    for name, r in rows:
        cells = (name, r["n_records"], _f(r["total_duration_s"] / 3600, ".2f"),
                 r["n_ref_samples"], r["n_hyp_samples"], r["n_true_positive"],
                 r["n_false_positive"], _f(r["sensitivity"]), _f(r["precision"]), _f(r["f1"]),
                 _f(r["false_positive_s_per_24h"], ".1f"))  # fmt: skip
        body.append(f'<tr data-id="{_e(name)}">' + "".join(f"<td>{_e(c)}</td>" for c in cells)
                    + "</tr>")  # fmt: skip
    return f'<table id="{table_id}"><tr>{head}</tr>{"".join(body)}</table>'


def _suppression_table(scores: dict[str, Any]) -> str:
    """Suppression-ratio error per recording, per subject and pooled."""
    sr = scores.get("suppression_error", {})
    rows: list[tuple[str, str, dict[str, Any]]] = [
        ("recording", r["id"], r["suppression"])
        for r in scores.get("records", []) if r.get("suppression")
    ]  # fmt: skip
    rows += [("subject", f"sub-{sub}", r) for sub, r in sr.get("subjects", {}).items()]
    if sr.get("pooled"):
        rows.append(("pooled", "all", sr["pooled"]))
    head = "".join(f"<th>{h}</th>" for h in ("", "level", "records", "points", "unjudged",
                                            "MAE pp", "bias pp", "max |error| pp"))  # fmt: skip
    body = []
    for level, name, r in rows:
        cells = (name, level, r["n_records"], r["n_points"], r["n_unjudged"],
                 _f(r["mae_pp"], ".2f"), _f(r["bias_pp"], "+.2f"),
                 _f(r["max_abs_error_pp"], ".1f"))  # fmt: skip
        body.append(f'<tr data-id="{_e(name)}" data-mae="{_f(r["mae_pp"], ".4f")}">'
                    + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")  # fmt: skip
    return f'<table id="suppression-error"><tr>{head}</tr>{"".join(body)}</table>'


def _recordings_table(run: ValidationRun) -> str:
    rows = []
    by_id = {r["id"]: r for r in run.scores.get("records", [])}
    for rec in run.recordings:
        status = run.statuses.get(rec.key, {})
        skipped = "yes" if rec.key in run.skipped else ""
        if status.get("status") != "ok":
            rows.append(
                f'<tr class="failed"><td>{_e(rec.key)}</td><td>{_e(rec.subject)}</td>'
                f'<td>failed</td><td colspan="8">{_e(status.get("reason"))}</td></tr>'
            )
            continue
        score = by_id.get(rec.key, {})
        sample, sr = score.get("sample") or {}, score.get("suppression") or {}
        note = "; ".join(n for n in (score.get("note"), score.get("suppression_note")) if n)
        cells = (rec.key, rec.subject, "ok" + (" (skipped: done before)" if skipped else ""),
                 _f(status.get("duration_s", 0) / 60, ".1f"), _f(status.get("wall_s"), ".2f"),
                 score.get("n_ref", "–"), score.get("n_hyp", "–"), _f(score.get("f1")),
                 _f(sample.get("f1")), _f(sr.get("mae_pp"), ".2f"), note)  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("recording", "subject", "status", "minutes",
                                            "replay s", "ref", "det", "event F1", "sample F1",
                                            "SR MAE pp", "note"))  # fmt: skip
    return f'<table id="recordings"><tr>{head}</tr>{"".join(rows)}</table>'


# ----------------------------------------------------------------------------- SVG
def _timeline(score: RecordingScore | None, duration_s: float, patterns: Sequence[Any],
              trend: Sequence[Sequence[float | None]],
              ref_patterns: Sequence[Any] = ()) -> str:  # fmt: skip
    """Reference / detected seizure lanes, reference / detected pattern lanes and the
    suppression-ratio sparkline."""
    span = max(duration_s, 1e-9)
    plot_w = _W - _LEFT - 10

    def x(t: float) -> float:
        return _LEFT + plot_w * min(max(t, 0.0), span) / span

    parts = []
    lanes = [("reference", _REF, [(e.onset_s, e.duration_s, "sz") for e in score.reference]
              if score else []),
             ("detected", _DET, [(e.onset_s, e.duration_s, "sz") for e in score.detected]
              if score else []),
             ("ref. patterns", _REF_PAT, list(ref_patterns)),
             ("patterns", _PAT, list(patterns))]  # fmt: skip
    for i, (name, colour, events) in enumerate(lanes):
        y = 4 + i * 18
        parts.append(
            f'<text x="2" y="{y + 11}">{name}</text>'
            f'<rect x="{_LEFT}" y="{y}" width="{plot_w}" height="14" fill="#f4f4f4"/>'
        )
        css = "reference-patterns" if name == "ref. patterns" else name
        for onset, length, kind in events:
            w = max(x(onset + length) - x(onset), 1.5)
            parts.append(f'<rect class="{css}" x="{x(onset):.1f}" y="{y}" width="{w:.1f}" '
                         f'height="14" fill="{colour}"><title>{_e(kind)} {onset:.0f}–'
                         f'{onset + length:.0f} s</title></rect>')  # fmt: skip
            if css.endswith("patterns") and w >= 8 * len(kind) + 4:
                parts.append(f'<text x="{x(onset) + 2:.1f}" y="{y + 11}" fill="#fff">'
                             f"{_e(kind.upper())}</text>")  # fmt: skip
    y0 = 4 + len(lanes) * 18
    parts.append(
        f'<text x="2" y="{y0 + 16}">SR 0–1</text>'
        f'<rect x="{_LEFT}" y="{y0}" width="{plot_w}" height="24" fill="#fafafa"/>'
    )
    points = [f"{x(float(t)):.1f},{y0 + 24 - 24 * float(v):.1f}" for t, v in trend
              if t is not None and v is not None]  # fmt: skip
    if points:
        parts.append(
            f'<polyline class="sr" points="{" ".join(points)}" fill="none" '
            f'stroke="#555" stroke-width="1"/>'
        )
    step = _nice_step(span / 60.0)
    y_axis = y0 + 38
    minute = 0.0
    while minute * 60 <= span + 1e-9:
        parts.append(
            f'<text x="{x(minute * 60):.1f}" y="{y_axis}" text-anchor="middle">{minute:g}</text>'
        )
        minute += step
    parts.append(f'<text x="{_W - 10}" y="{y_axis + 12}" text-anchor="end">minutes</text>')
    height = y_axis + 16
    return (
        f'<svg class="timeline" width="{_W}" height="{height}" '
        f'viewBox="0 0 {_W} {height}" role="img">{"".join(parts)}</svg>'
    )


def _sr_chart(key: str, duration_s: float, trend: Sequence[Sequence[float]]) -> str:
    """The suppression ratio of the reference (dashed) and of the monitor (solid) on
    the reference's time grid, 0–100 %, against minutes."""
    span = max(duration_s, 1e-9)
    plot_w, top, plot_h = _W - _LEFT - 10, 8, 120
    bottom = top + plot_h

    def x(t: float) -> float:
        return _LEFT + plot_w * min(max(t, 0.0), span) / span

    def y(ratio: float) -> float:
        return bottom - plot_h * min(max(ratio, 0.0), 1.0)

    parts = [f'<rect x="{_LEFT}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa"/>']
    for pct in (0, 50, 100):
        parts.append(f'<line x1="{_LEFT}" y1="{y(pct / 100):.1f}" x2="{_LEFT + plot_w}" '
                     f'y2="{y(pct / 100):.1f}" stroke="#ddd"/><text x="{_LEFT - 4}" '
                     f'y="{y(pct / 100) + 3:.1f}" text-anchor="end">{pct} %</text>')  # fmt: skip
    for cls, col, colour, dash in (("sr-reference", 1, _REF, ' stroke-dasharray="4 2"'),
                                   ("sr-monitor", 2, "#333", "")):  # fmt: skip
        points = " ".join(f"{x(p[0]):.1f},{y(p[col]):.1f}" for p in trend)
        parts.append(f'<polyline class="{cls}" points="{points}" fill="none" '
                     f'stroke="{colour}" stroke-width="1.2"{dash}/>')  # fmt: skip
    step = _nice_step(span / 60.0)
    minute = 0.0
    while minute * 60 <= span + 1e-9:
        parts.append(f'<text x="{x(minute * 60):.1f}" y="{bottom + 12}" '
                     f'text-anchor="middle">{minute:g}</text>')  # fmt: skip
        minute += step
    parts.append(f'<text x="2" y="{top + 10}">SR</text><text x="{_W - 10}" '
                 f'y="{bottom + 24}" text-anchor="end">minutes</text>')  # fmt: skip
    height = bottom + 28
    return (
        f'<svg class="sr-trend" data-recording="{_e(key)}" width="{_W}" height="{height}" '
        f'viewBox="0 0 {_W} {height}" role="img">{"".join(parts)}</svg>'
    )


def _nice_step(total: float, ticks: int = 8) -> float:
    raw = max(total / ticks, 1e-9)
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)


def _bars(svg_id: str, labels: Sequence[str], values: Sequence[float], unit: str,
          colour: str = _DET) -> str:  # fmt: skip
    """A plain vertical bar chart."""
    if not values:
        return '<p class="muted">nothing to show</p>'
    width, height, bottom = max(300, 40 * len(values) + 60), 180, 150
    top = max(values) or 1.0
    bar_w = (width - 60) / len(values)
    parts = [f'<line x1="50" y1="{bottom}" x2="{width}" y2="{bottom}" stroke="#999"/>',
             f'<text x="2" y="14">{_e(unit)}</text>',
             f'<text x="46" y="24" text-anchor="end">{top:g}</text>']  # fmt: skip
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = 120 * value / top
        x0 = 52 + i * bar_w
        parts.append(f'<rect x="{x0:.1f}" y="{bottom - h:.1f}" width="{bar_w * 0.8:.1f}" '
                     f'height="{h:.1f}" fill="{colour}"><title>{_e(label)}: {value:g}</title>'
                     f'</rect><text x="{x0 + bar_w * 0.4:.1f}" y="{bottom + 12}" '
                     f'text-anchor="middle">{_e(label)}</text>'
                     f'<text x="{x0 + bar_w * 0.4:.1f}" y="{bottom - h - 3:.1f}" '
                     f'text-anchor="middle">{value:.3g}</text>')  # fmt: skip
    return (
        f'<svg id="{svg_id}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">{"".join(parts)}</svg>'
    )


def _latency_histogram(latencies_s: Sequence[float]) -> str:
    if not latencies_s:
        return '<p class="muted">no detected reference seizure, no latency</p>'
    step = _nice_step(max(latencies_s) - min(latencies_s) + 1, 10)
    lo = math.floor(min(latencies_s) / step) * step
    n_bins = int((max(latencies_s) - lo) // step) + 1
    counts = [0] * n_bins
    for lat in latencies_s:
        counts[min(int((lat - lo) // step), n_bins - 1)] += 1
    labels = [f"{lo + i * step:g}" for i in range(n_bins)]
    return _bars("latency-histogram", labels, counts, f"seizures per {step:g}-s bin "
                 "(onset latency, s: bin start)")  # fmt: skip


# ----------------------------------------------------------------------------- page
def _sample_section(sample: dict[str, Any]) -> list[str]:
    """SzCORE sample scoring: pooled and per-subject tables, the subject mean."""
    out = ["<h2>Sample scoring</h2>"]
    pooled = sample.get("pooled")
    if not pooled:
        return [*out, '<p id="sample-f1" class="muted">Nothing scored.</p>']
    mean = sample.get("subject_mean", {})
    out += [
        f'<p id="sample-f1" data-f1="{_f(pooled["f1"], ".4f")}">SzCORE sample scoring '
        f"(1-s samples): pooled F1 <b>{_f(pooled['f1'])}</b>, sensitivity "
        f"{_f(pooled['sensitivity'])}, precision {_f(pooled['precision'])}; mean over "
        f"subjects F1 {_f(mean.get('f1'))}.</p>",
        _sample_table("sample-pooled", [("pooled", pooled)]),
        _sample_table("sample-subjects",
                      [(f"sub-{s}", r) for s, r in sample.get("subjects", {}).items()]),
    ]  # fmt: skip
    return out


def _suppression_section(run: ValidationRun, scored: Sequence[RecordingScore]) -> list[str]:
    """The suppression-ratio error table and one reference-vs-monitor chart per
    recording with a suppression reference."""
    out = ["<h2>Suppression ratio</h2>"]
    with_sr = [s for s in scored if s.suppression is not None]
    if not with_sr:
        return [*out, '<p id="suppression-none" class="muted">No recording has a reference '
                "suppression ratio.</p>"]  # fmt: skip
    out += [
        "<p>Monitor minus reference suppression ratio on the reference's time grid, in "
        "percentage points (MAE: mean absolute error; bias: mean signed error).</p>",
        _suppression_table(run.scores),
        f'<p class="legend"><span><i class="sw" style="background:{_REF}"></i>reference '
        '(dashed)</span><span><i class="sw" style="background:#333"></i>monitor</span></p>',
    ]  # fmt: skip
    for s in scored:
        error, key = s.suppression, s.recording.key
        if error is None:
            continue
        chart = _sr_chart(key, s.duration_s, error.trend)
        out.append(
            f'<div class="sr" data-recording="{_e(key)}"><h3>{_e(key)} '
            f"<span class='muted'>MAE {_f(error.mae_pp, '.2f')} pp, bias "
            f"{_f(error.bias_pp, '+.2f')} pp over {error.n_points} points</span></h3>"
            f"{chart}</div>"
        )
    return out


def write_report(
    run: ValidationRun, scored: Sequence[RecordingScore], *, dataset: str,
    settings_digest: str, version: str,
) -> Path:  # fmt: skip
    """Write ``report.html`` into the run's derivatives root and return its path."""
    scores = run.scores
    by_key = {s.recording.key: s for s in scored}
    pooled = scores.get("pooled")
    sample = scores.get("sample_scoring", {})
    n_failed = len(run.failed)
    out: list[str] = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width'>",
        f"<title>rse-monitor validation: {_e(Path(dataset).name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>rse-monitor validation: {_e(dataset)}</h1>",
        f"<p>{len(run.recordings)} recordings: "
        f"{len(run.recordings) - n_failed - len(run.skipped)} replayed, "
        f"{len(run.skipped)} skipped (done before), {n_failed} failed. rse-monitor "
        f"{_e(version)}, settings {_e(settings_digest)}, "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}. {_e(scores.get('scoring', ''))}"
        f"; {_e(sample.get('method', ''))}.</p>",
        "<h2>Pooled</h2>",
    ]
    if pooled:
        out.append(
            f'<p id="pooled-f1" data-f1="{_f(pooled["f1"], ".4f")}">Pooled F1 '
            f"<b>{_f(pooled['f1'])}</b>, sensitivity {_f(pooled['sensitivity'])}, "
            f"precision {_f(pooled['precision'])}, false alarms "
            f"{_f(pooled['false_alarms_per_24h'] / 24, '.3f')} per hour.</p>"
        )
        out.append(_table("pooled", [("pooled", pooled)]))
        mean = scores.get("subject_mean", {})
        out.append(f"<p>Mean over subjects (SzCORE's data-set figure): sensitivity "
                   f"{_f(mean.get('sensitivity'))}, precision {_f(mean.get('precision'))}, "
                   f"F1 {_f(mean.get('f1'))}, FA/24 h "
                   f"{_f(mean.get('false_alarms_per_24h'), '.2f')}.</p>")  # fmt: skip
    else:
        out.append(
            '<p id="pooled-f1" class="muted">No recording with reference annotations '
            "was scored.</p>"
        )
    subjects = scores.get("subjects", {})
    out += ["<h2>Per subject</h2>",
            _table("subjects", [(f"sub-{s}", r) for s, r in subjects.items()]),
            *_sample_section(sample),
            "<h2>Onset latency</h2>",
            _latency_histogram(pooled["onset_latencies_s"] if pooled else []),
            "<h2>False alarms per hour</h2>",
            _bars("false-alarms", [f"sub-{s}" for s in subjects],
                  [r["false_alarms_per_24h"] / 24 for r in subjects.values()],
                  "false alarms per hour", _REF),
            *_suppression_section(run, scored),
            "<h2>Recordings</h2>", _recordings_table(run),
            "<h2>Timelines</h2>",
            f'<p class="legend"><span><i class="sw" style="background:{_REF}"></i>reference '
            f'seizure</span><span><i class="sw" style="background:{_DET}"></i>detected '
            f'seizure</span><span><i class="sw" style="background:{_REF_PAT}"></i>reference '
            f'pattern (non-seizure rows of the reference)</span><span><i class="sw" '
            f'style="background:{_PAT}"></i>detected ACNS pattern episode</span>'
            "<span>SR: suppression ratio (0–1)</span></p>"]  # fmt: skip
    for rec in run.recordings:
        status = run.statuses.get(rec.key, {})
        if status.get("status") != "ok":
            continue
        events_tsv = output_paths(rec, run.root)["events.tsv"]
        score = by_key.get(rec.key)
        note = f' <span class="muted">({_e(score.note)})</span>' if score and score.note else ""
        svg = _timeline(score, float(status["duration_s"]), pattern_episodes(events_tsv),
                        status.get("sr_trend") or [], pattern_episodes(rec.reference))  # fmt: skip
        out.append(f'<div class="rec" data-recording="{_e(rec.key)}"><h3>{_e(rec.key)}{note}'
                   f"</h3>{svg}</div>")  # fmt: skip
    out.append("</body></html>")
    path = run.root / "report.html"
    path.write_text("\n".join(out), encoding="utf-8")
    return path
