"""Plots as inline SVG, made on the server: a page with a dozen of them renders
in milliseconds and needs no plotting library in the browser. Every text that
goes in is escaped here, so templates may insert the result as markup."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import numpy as np

from walkout.domain.layout import Layout

PALETTE = ["#0f766e", "#b45309", "#1d4ed8", "#be185d", "#4d7c0f", "#7c3aed", "#0e7490", "#a16207"]
Point = tuple[float, float]


def _nice(lo: float, hi: float, n: int = 4) -> list[float]:
    """About n round tick values spanning lo..hi."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** np.floor(np.log10(raw))
    step = min((s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw), default=raw)
    start = np.ceil(lo / step) * step
    return [float(v) for v in np.arange(start, hi + step * 1e-9, step)]


def num(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:.3g}"


def line_plot(
    series: Sequence[tuple[str, Sequence[Point]]],
    width: int = 640,
    height: int = 220,
    x_fmt: Callable[[float], str] = num,
    y_fmt: Callable[[float], str] = num,
    y_label: str = "",
    spans: Sequence[tuple[float, float]] = (),
    zero_y: bool = False,
    title: str = "",
) -> str:
    """Lines (label, [(x, y)]) on shared axes; ``spans`` are shaded x ranges (an event)."""
    series = [(label, sorted(s)) for label, s in series]  # lines run left to right
    pts = [p for _, s in series for p in s]
    if not pts:
        return _empty(width, height, title or "no data yet")
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = (min(0.0, *ys) if zero_y else min(ys)), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    pad = (y1 - y0) * 0.08 or 1.0
    y0, y1 = (y0 if zero_y else y0 - pad), y1 + pad
    ml, mr, mt, mb = 52, 10, 18 if title else 8, 24
    w, h = width - ml - mr, height - mt - mb

    def sx(x: float) -> float:
        return ml + (x - x0) / (x1 - x0) * w

    def sy(y: float) -> float:
        return mt + h - (y - y0) / (y1 - y0) * h

    out = [_open(width, height, title)]
    for a, b in spans:
        out.append(
            f'<rect x="{sx(max(a, x0)):.1f}" y="{mt}" width="{max(1.0, sx(min(b, x1)) - sx(max(a, x0))):.1f}" '
            f'height="{h}" fill="#fde68a" opacity=".55"/>'
        )
    for v in _nice(y0, y1):
        out.append(
            f'<line x1="{ml}" x2="{ml + w}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" stroke="#e5e7eb"/>'
            f'<text x="{ml - 4}" y="{sy(v) + 4:.1f}" text-anchor="end">{escape(y_fmt(v))}</text>'
        )
    for v in _nice(x0, x1, 5):
        out.append(
            f'<text x="{sx(v):.1f}" y="{height - 6}" text-anchor="middle">{escape(x_fmt(v))}</text>'
        )
    if y_label:
        out.append(f'<text x="4" y="{mt + 10}">{escape(y_label)}</text>')
    for i, (label, s) in enumerate(series):
        if not s:
            continue
        c = PALETTE[i % len(PALETTE)]
        d = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s)
        out.append(
            f'<polyline fill="none" stroke="{c}" stroke-width="1.8" points="{d}"><title>{escape(label)}</title></polyline>'
        )
        if len(s) == 1:
            x, y = s[0]
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{c}"/>')
    if len(series) > 1:
        for i, (label, _) in enumerate(series):
            c = PALETTE[i % len(PALETTE)]
            out.append(
                f'<text x="{ml + 6 + 120 * (i % 4)}" y="{mt + 12 + 13 * (i // 4)}" fill="{c}" style="fill:{c}">'
                f"■ {escape(label)}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def bar_chart(
    bars: Sequence[tuple[str, float]],
    width: int = 640,
    height: int = 220,
    y_fmt: Callable[[float], str] = num,
    title: str = "",
    highlight: Callable[[str], bool] | None = None,
) -> str:
    """Vertical bars (label, value)."""
    if not bars or max(v for _, v in bars) <= 0:
        return _empty(width, height, title or "no data yet")
    ml, mr, mt, mb = 52, 8, 18 if title else 8, 34
    w, h = width - ml - mr, height - mt - mb
    top = max(v for _, v in bars) * 1.1
    out = [_open(width, height, title)]
    for v in _nice(0, top):
        y = mt + h - v / top * h
        out.append(
            f'<line x1="{ml}" x2="{ml + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{ml - 4}" y="{y + 4:.1f}" text-anchor="end">{escape(y_fmt(v))}</text>'
        )
    bw = w / len(bars)
    every = max(1, int(np.ceil(len(bars) * 34 / w)))
    for i, (label, v) in enumerate(bars):
        bh = v / top * h
        x = ml + i * bw
        c = "#b45309" if highlight and highlight(label) else PALETTE[0]
        out.append(
            f'<rect x="{x + bw * 0.12:.1f}" y="{mt + h - bh:.1f}" width="{bw * 0.76:.1f}" height="{bh:.1f}" '
            f'fill="{c}"><title>{escape(label)}: {escape(y_fmt(v))}</title></rect>'
        )
        if i % every == 0:
            out.append(
                f'<text x="{x + bw / 2:.1f}" y="{height - 18}" text-anchor="middle">{escape(label)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def hbar_chart(
    bars: Sequence[tuple[str, float]], width: int = 640, y_fmt: Callable[[float], str] = num
) -> str:
    """Horizontal bars with their labels on the left (top sellers)."""
    if not bars:
        return _empty(width, 80, "no sales yet")
    row, ml, mr = 22, 230, 60
    height = row * len(bars) + 8
    top = max(v for _, v in bars) or 1.0
    out = [_open(width, height, "")]
    for i, (label, v) in enumerate(bars):
        y = 4 + i * row
        bw = (width - ml - mr) * v / top
        out.append(
            f'<text x="{ml - 6}" y="{y + 14}" text-anchor="end">{escape(label[:34])}</text>'
            f'<rect x="{ml}" y="{y + 3}" width="{bw:.1f}" height="{row - 8}" fill="{PALETTE[0]}"/>'
            f'<text x="{ml + bw + 4:.1f}" y="{y + 14}">{escape(y_fmt(v))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _open(width: int, height: int, title: str) -> str:
    head = (
        f'<svg class="plot" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" '
        f'role="img" aria-label="{escape(title or "plot")}">'
    )
    if title:
        head += f'<text x="4" y="12" style="font-weight:600;fill:#1d2433">{escape(title)}</text>'
    return head


def _empty(width: int, height: int, text: str) -> str:
    return (
        _open(width, height, "")
        + f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">{escape(text)}</text></svg>'
    )


# -- maps of the store ---------------------------------------------------------------


def stock_colour(frac: float | None) -> str:
    """Green when full, amber when low, red when (nearly) empty; grey: no stock kept."""
    if frac is None:
        return "#cbd5e1"
    if frac <= 0.1:
        return "#dc2626"
    if frac <= 0.35:
        return "#f59e0b"
    return "#16a34a"


def floor_plan(
    layout: Layout,
    fixture_fill: dict[str, str],
    fixture_title: dict[str, str],
    people: Sequence[Point] = (),
    width: int = 720,
    flagged: Sequence[str] = (),
) -> str:
    """The store from above: fixtures filled by ``fixture_fill``, gates, people as dots."""
    x0, y0, x1, y1 = layout.bounds()
    m = 0.4
    sc = width / (x1 - x0 + 2 * m)
    height = int((y1 - y0 + 2 * m) * sc)

    def p(x: float, y: float) -> str:  # y up in the store, down on screen
        return f"{(x - x0 + m) * sc:.1f},{(y1 - y + m) * sc:.1f}"

    st = layout.store
    out = [
        f'<svg class="plot floor" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" '
        f'role="img" aria-label="floor plan">',
        f'<polygon points="{" ".join(p(*v) for v in st.floor.outline)}" fill="#f8fafc" stroke="#94a3b8" stroke-width="2"/>',
    ]
    for g in st.gates:
        out.append(
            f'<polyline points="{p(*g.a)} {p(*g.b)}" stroke="#0f766e" stroke-width="5"><title>gate {escape(g.id)} ({g.kind})</title></polyline>'
        )
    for fx in layout.fixtures:
        pts = " ".join(p(float(a), float(b)) for a, b in fx.footprint)
        stroke = "#7f1d1d" if fx.id in flagged else "#334155"
        out.append(
            f'<polygon data-fixture="{escape(fx.id)}" points="{pts}" fill="{fixture_fill.get(fx.id, "#cbd5e1")}" '
            f'stroke="{stroke}" stroke-width="{3 if fx.id in flagged else 1}">'
            f"<title>{escape(fixture_title.get(fx.id, fx.id))}</title></polygon>"
        )
        cx, cy = fx.footprint.mean(axis=0)
        out.append(
            f'<text x="{(cx - x0 + m) * sc:.1f}" y="{(y1 - cy + m) * sc + 4:.1f}" text-anchor="middle" '
            f'style="fill:#0f172a;font-size:10px">{escape(fx.id)}</text>'
        )
    for x, y in people:
        out.append(
            f'<circle class="person" cx="{(x - x0 + m) * sc:.1f}" cy="{(y1 - y + m) * sc:.1f}" r="6" '
            f'fill="#1d4ed8" stroke="#fff" stroke-width="2"/>'
        )
    out.append("</svg>")
    return "".join(out)


def shelf_map(
    layout: Layout,
    fixture: str,
    plates: Sequence[str],
    hands: dict[str, Sequence[Sequence[float]]],
    labels: dict[str, str],
    width: int = 420,
) -> str:
    """Top-down: the fixture and its neighbourhood (2 m around), the event's plates
    highlighted, and each nearby person's hand path over the event window."""
    fx = next(f for f in layout.fixtures if f.id == fixture)
    pts = [fx.footprint] + [np.asarray(h, dtype=float)[:, 1:3] for h in hands.values() if len(h)]
    allxy = np.vstack(pts)
    cx0, cy0 = allxy.min(axis=0) - 0.5
    cx1, cy1 = allxy.max(axis=0) + 0.5
    cx1 += 0.9  # room for the labels at the paths' ends
    sc = width / max(cx1 - cx0, 0.5)
    height = int(max(cy1 - cy0, 0.5) * sc)
    height = min(max(height, 160), 520)
    sc = min(sc, height / max(cy1 - cy0, 0.5))

    def p(x: float, y: float) -> str:
        return f"{(x - cx0) * sc:.1f},{(cy1 - y) * sc:.1f}"

    out = [
        f'<svg class="plot shelfmap" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" '
        f'role="img" aria-label="top-down map of the shelf with hand paths">',
        f'<rect width="{width}" height="{height}" fill="#f8fafc"/>',
    ]
    for other in layout.fixtures:
        out.append(
            f'<polygon points="{" ".join(p(float(a), float(b)) for a, b in other.footprint)}" '
            f'fill="{"#e2e8f0" if other.id != fixture else "#cbd5e1"}" stroke="#64748b"/>'
        )
    hot = set(plates)
    for pl in layout.plates:
        if pl.fixture != fixture:
            continue
        c = pl.corners[:, :2]
        out.append(
            f'<polygon points="{" ".join(p(float(a), float(b)) for a, b in c)}" '
            f'fill="{"#f59e0b" if pl.id in hot else "none"}" stroke="#94a3b8" stroke-width=".5" '
            f'opacity="{0.9 if pl.id in hot else 0.6}"><title>{escape(pl.id)}</title></polygon>'
        )
    for i, (tid, path) in enumerate(hands.items()):
        if not len(path):
            continue
        c = PALETTE[(i + 2) % len(PALETTE)]
        d = " ".join(p(float(q[1]), float(q[2])) for q in path)
        end = path[-1]
        out.append(
            f'<polyline points="{d}" fill="none" stroke="{c}" stroke-width="2" opacity=".85">'
            f"<title>{escape(labels.get(tid, tid))}</title></polyline>"
            f'<text x="{(float(end[1]) - cx0) * sc + 4:.1f}" y="{(cy1 - float(end[2])) * sc:.1f}" '
            f'style="fill:{c};font-weight:600">{escape(labels.get(tid, tid))}</text>'
        )
    out.append("</svg>")
    return "".join(out)
