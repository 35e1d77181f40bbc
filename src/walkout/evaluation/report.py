"""The evaluation as a page a person reads: report.md with its pictures.

The only evaluation module that draws. Figures are built on matplotlib's
object API with the Agg canvas, so no global pyplot state and no display.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from walkout.evaluation.result import HEADLINE, Calibration, EvalResult, show

RELIABILITY_PNG = "reliability.png"
LATENCY_PNG = "latency.png"
BEHAVIOURS_PNG = "behaviours.png"


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_reliability(curves: list[Calibration], path: Path) -> None:
    fig = Figure(figsize=(5.5, 5))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", label="perfectly calibrated")
    for c, marker in zip(curves, "os^", strict=False):
        pts = [(b.mean_p, b.accuracy, b.count) for b in c.bins if b.count]
        if not pts:
            continue
        ece = "n/a" if c.ece is None else f"{c.ece:.3f}"
        ax.plot(
            [p for p, _, _ in pts],
            [a for _, a, _ in pts],
            marker=marker,
            label=f"{c.what.split(':')[0]} (n={c.count}, ECE {ece})",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("stated probability (bin mean)")
    ax.set_ylabel("share right")
    ax.set_title("Reliability")
    ax.legend(loc="upper left", fontsize=8)
    _save(fig, path)


def plot_latency(latencies: list[float], path: Path) -> None:
    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    if latencies:
        ax.hist(latencies, bins=min(40, max(5, len(latencies) // 3)), color="tab:blue")
    else:
        ax.text(0.5, 0.5, "no final receipts", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("seconds from exit to final receipt")
    ax.set_ylabel("receipts")
    ax.set_title("Receipt latency")
    _save(fig, path)


def plot_behaviours(res: EvalResult, path: Path) -> None:
    fig = Figure(figsize=(9, 7))
    top, bottom = fig.subplots(2, 1)
    rows = res.by_behaviour.sessions
    names = [f"{r.behaviour} ({r.sessions})" for r in rows]
    xs = list(range(len(rows)))
    for off, key, label in (
        (-0.2, "receipts_exact_auto", "exact, final"),
        (0.2, "receipts_exact_after_review", "exact after review"),
    ):
        top.bar(
            [x + off for x in xs],
            [getattr(r, key) or 0.0 for r in rows],
            width=0.4,
            label=label,
        )
    top.set_xticks(xs, names, rotation=30, ha="right", fontsize=8)
    top.set_ylim(0, 1.25)
    top.set_title("Sessions by behaviour")
    top.legend(fontsize=8, ncol=2, loc="upper center")
    arows = res.by_behaviour.actions
    xs = list(range(len(arows)))
    for off, key, label in (
        (-0.27, "detected", "detected"),
        (0.0, "item_id_accuracy", "item right"),
        (0.27, "attribution_accuracy", "attributed right"),
    ):
        bottom.bar(
            [x + off for x in xs],
            [getattr(r, key) or 0.0 for r in arows],
            width=0.27,
            label=label,
        )
    labels = [f"{r.behaviour} ({r.actions})" for r in arows]
    bottom.set_xticks(xs, labels, rotation=30, ha="right", fontsize=8)
    bottom.set_ylim(0, 1.25)
    bottom.set_title("Actions by behaviour")
    bottom.legend(fontsize=8, ncol=3, loc="upper center")
    _save(fig, path)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def markdown(res: EvalResult) -> str:
    """report.md's text (the pictures are referred to by file name)."""
    md = [
        "# Walkout evaluation",
        "",
        f"- run: `{res.run}`",
        f"- reference: `{res.reference}` ({res.mode})",
        f"- event match tolerance: {res.tolerance_s:g} s",
        "- definitions: docs/evaluation.md",
        "",
        "## Headline",
        "",
    ]
    md += _table(
        ["metric", "value"],
        [[label, show(getattr(res, k), kind, res.currency)] for k, label, kind in HEADLINE],
    )
    rows = res.by_behaviour.sessions
    if rows:
        md += ["", "## Sessions by behaviour", ""]
        md += _table(
            ["behaviour", "sessions", "exact (final)", "exact after review", "review rate"],
            [
                [
                    r.behaviour,
                    str(r.sessions),
                    show(r.receipts_exact_auto, "rate"),
                    show(r.receipts_exact_after_review, "rate"),
                    show(r.review_rate, "rate"),
                ]
                for r in rows
            ],
        )
    arows = res.by_behaviour.actions
    if arows:
        md += ["", "## Actions by behaviour", ""]
        md += _table(
            ["behaviour", "actions", "detected", "item right", "attributed right"],
            [
                [
                    r.behaviour,
                    str(r.actions),
                    show(r.detected, "rate"),
                    show(r.item_id_accuracy, "rate"),
                    show(r.attribution_accuracy, "rate"),
                ]
                for r in arows
            ],
        )
    if rows or arows:
        md += ["", f"![behaviours]({BEHAVIOURS_PNG})"]
    md += ["", "## Calibration", ""]
    for c in res.calibration:
        md += [f"{c.what}: {c.count} predictions, ECE {show(c.ece, 'number')}", ""]
        md += _table(
            ["p from", "p to", "count", "mean p", "share right"],
            [
                [
                    f"{b.lo:.1f}",
                    f"{b.hi:.1f}",
                    str(b.count),
                    "" if b.mean_p is None else f"{b.mean_p:.3f}",
                    "" if b.accuracy is None else f"{b.accuracy:.3f}",
                ]
                for b in c.bins
            ],
        )
        md += [""]
    md += [f"![reliability]({RELIABILITY_PNG})", "", "## Latency", ""]
    md += [f"![latency]({LATENCY_PNG})", ""]
    return "\n".join(md)


def write_report(res: EvalResult, out: Path) -> Path:
    """Write ``out/report.md`` and its PNGs; returns the Markdown file's path."""
    out.mkdir(parents=True, exist_ok=True)
    plot_reliability(res.calibration, out / RELIABILITY_PNG)
    plot_latency(res.latencies_s, out / LATENCY_PNG)
    if res.by_behaviour.sessions or res.by_behaviour.actions:
        plot_behaviours(res, out / BEHAVIOURS_PNG)
    path = out / "report.md"
    path.write_text(markdown(res), encoding="utf-8")
    return path
