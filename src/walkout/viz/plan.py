"""A store's floor plan as a picture: fixtures, gates, cameras, readers and camera coverage.

Meant to be read by a person checking a generated or hand-written store: is
every shelf front in an aisle, do the gates point the right way, where are the
blind spots at hand height. Labels are drawn only where they fit, so the same
code serves a corner shop and a supermarket.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Polygon
from scipy import ndimage

from walkout.domain.geometry import polygon_area
from walkout.domain.store import Store, parse_plate_id
from walkout.twin.layout.cameras import HAND_HEIGHT, coverage_map
from walkout.twin.layout.stats import summarize
from walkout.twin.layout.walkable import floor_grid, footprints, points_in_polygon

KIND_COLOURS = {
    "gondola": "#d7b377",
    "wall": "#a47551",
    "cooler": "#7cc6e8",
    "freezer": "#3f7fbf",
    "table": "#9ccc65",
    "obstacle": "#b0b0b0",
}
KIND_NAMES = {
    "gondola": "island gondola",
    "wall": "wall gondola",
    "cooler": "cooler",
    "freezer": "freezer",
    "table": "produce table",
    "obstacle": "service counter",
}
SHELF_FRONT = "#c0392b"
ENTRY, EXIT = "#1e8449", "#c0392b"
CAMERA, READER = "#222222", "#8e44ad"


def draw_plan(store: Store, out_path: str | Path, coverage: bool = True, dpi: int = 150) -> Path:
    """Write the plan of ``store`` to ``out_path`` (PNG, SVG or PDF by its suffix)."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    outline = np.asarray(store.floor.outline, dtype=float)
    x0, y0 = outline.min(axis=0)
    x1, y1 = outline.max(axis=0)
    w, h = x1 - x0, y1 - y0
    pad = max(w, h) * 0.03
    arrow = max(0.7, pad)
    bottom = y0 - 2.3 * arrow
    ax_w = 10.0
    ax_h = ax_w * (y1 + pad - bottom) / (w + 2 * pad)
    fig, ax = plt.subplots(figsize=(ax_w + 2.4, ax_h + 2.2), dpi=dpi)
    ax.set_aspect("equal")
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(bottom, y1 + pad)
    pt_per_m = _points_per_metre(fig, ax)

    if coverage and store.cameras:
        _coverage(fig, ax, store)
    ax.add_patch(Polygon(outline, closed=True, fill=False, lw=2.2, ec="black", zorder=5))
    cats = _categories(store)
    kinds = _fixtures(ax, store, cats, pt_per_m)
    _gates(ax, store, arrow)
    _cameras(ax, store, pt_per_m)
    if store.rfid_readers:
        r = np.array([rd.at[:2] for rd in store.rfid_readers])
        ax.scatter(r[:, 0], r[:, 1], marker="D", s=36, c=READER, ec="white", lw=0.6, zorder=9)

    s = summarize(store)
    counts = (
        (s.fixtures, "fixture"),
        (s.shelves, "shelf"),
        (s.plates, "plate"),
        (s.products, "product"),
        (s.cameras, "camera"),
        (s.near_weight_pairs, "near-weight neighbour pair"),
    )
    figures = "  ·  ".join(_count(n, word) for n, word in counts)
    ax.set_title(f"{store.name}\n{polygon_area(outline):,.0f} m²  ·  {figures}", fontsize=11)
    ax.set_xlabel("x (m) along the front wall")
    ax.set_ylabel("y (m) into the store")
    handles = [
        Patch(fc=KIND_COLOURS[k], ec="#555555", label=KIND_NAMES[k])
        for k in KIND_COLOURS
        if k in kinds
    ]
    handles += [
        Line2D([], [], color=SHELF_FRONT, lw=2, label="shelf front"),
        Line2D([], [], color=ENTRY, lw=4, label="entry gate"),
        Line2D([], [], color=EXIT, lw=4, label="exit gate"),
        Line2D([], [], color=CAMERA, marker="o", mfc="white", ms=5, lw=1, label="camera → view"),
    ]
    if store.rfid_readers:
        handles.append(Line2D([], [], color=READER, marker="D", ls="", ms=6, label="RFID reader"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.06),
        ncol=min(6, len(handles)),
        fontsize=9,
        frameon=False,
    )
    fig.savefig(out, dpi=dpi, bbox_inches="tight", pad_inches=0.15)
    plt.close(fig)
    return out


def _count(n: int, word: str) -> str:
    plural = word[:-1] + "ves" if word.endswith("lf") else word + "s"
    return f"{n:,} {word if n == 1 else plural}"


def _points_per_metre(fig: plt.Figure, ax: plt.Axes) -> float:
    """How long a metre of floor is on the page, so labels are drawn only where they fit."""
    fig.canvas.draw()
    (xa, _), (xb, _) = ax.transData.transform([(0, 0), (1, 0)])
    return float(abs(xb - xa)) * 72.0 / fig.dpi


def _coverage(fig: plt.Figure, ax: plt.Axes, store: Store) -> None:
    outline = np.asarray(store.floor.outline, dtype=float)
    span = float((outline.max(axis=0) - outline.min(axis=0)).max())
    xs, ys, counts = coverage_map(
        store, z=HAND_HEIGHT, resolution=float(np.clip(span / 250, 0.1, 0.25))
    )
    grid = floor_grid(store, resolution=0.05)
    gx, gy = np.meshgrid(xs, ys)
    i, j = grid.cell(gx, gy)
    under = grid.heights[i, j] > HAND_HEIGHT
    if under.any() and not under.all():  # under a fixture its patch hides the map; carry the
        # nearest open value in, so cells that straddle a fixture's edge are not drawn blank
        _, (ni, nj) = ndimage.distance_transform_edt(under, return_indices=True)
        counts = counts[ni, nj]
    shown = np.ma.masked_where(~points_in_polygon(gx, gy, np.asarray(store.floor.outline)), counts)
    res = xs[1] - xs[0] if len(xs) > 1 else 0.25
    top = max(1, int(counts.max()))
    cmap = ListedColormap(plt.get_cmap("YlGnBu")(np.linspace(0.05, 1.0, top + 1))).with_extremes(
        bad=(1, 1, 1, 0)
    )
    norm = BoundaryNorm(np.arange(-0.5, top + 1.5), cmap.N)
    extent = (xs[0] - res / 2, xs[-1] + res / 2, ys[0] - res / 2, ys[-1] + res / 2)
    im = ax.imshow(
        shown,
        origin="lower",
        extent=extent,
        cmap=cmap,
        norm=norm,
        interpolation="nearest",
        zorder=1,
    )
    cb = fig.colorbar(im, ax=ax, shrink=0.75, pad=0.015, aspect=30)
    cb.set_ticks(range(0, top + 1, max(1, top // 10)))
    cb.set_label(f"cameras seeing the point at hand height ({HAND_HEIGHT:.1f} m); fixtures occlude")


def _categories(store: Store) -> dict[str, str]:
    """Fixture id -> the category most of its facings hold."""
    cats: dict[str, Counter[str]] = {}
    products = store.products
    for fc in store.planogram:
        fid = parse_plate_id(fc.plates[0])[0]
        cats.setdefault(fid, Counter())[products[fc.product].category] += 1
    return {fid: c.most_common(1)[0][0] for fid, c in cats.items()}


def _upright(d: np.ndarray) -> float:
    ang = float(np.degrees(np.arctan2(d[1], d[0])))
    return ang - 180 if ang > 90 else ang + 180 if ang <= -90 else ang


def _fixtures(ax: plt.Axes, store: Store, cats: dict[str, str], pt_per_m: float) -> set[str]:
    """Fixtures and their shelf fronts; each labelled with id and category if a segment is
    long enough on the page, else each run of one category labelled once."""
    kinds: set[str] = set()
    fps = footprints(store)
    per_fixture = 1.2 * pt_per_m >= 40
    for f, fp in zip(store.fixtures, fps, strict=True):
        kinds.add(f.kind)
        ax.add_patch(
            Polygon(
                fp,
                closed=True,
                fc=KIND_COLOURS.get(f.kind, "#cccccc"),
                ec="#555555",
                lw=0.4,
                zorder=3,
            )
        )
        if f.shelves:
            inset = f.shelves[0].pose.at[1]
            into = (fp[3] - fp[0]) / np.linalg.norm(fp[3] - fp[0])
            a, b = fp[0] + into * inset, fp[1] + into * inset
            lw = max(0.5, min(1.6, pt_per_m / 25))
            ax.plot(
                [a[0], b[0]],
                [a[1], b[1]],
                color=SHELF_FRONT,
                lw=lw,
                zorder=4,
                solid_capstyle="butt",
            )
        if per_fixture:
            c = fp.mean(axis=0)
            text = f.id + (f"\n{cats[f.id]}" if f.id in cats else "")
            size = max(5.0, min(8.0, pt_per_m / 8))
            ax.text(
                c[0],
                c[1],
                text,
                ha="center",
                va="center",
                fontsize=size,
                rotation=_upright(fp[1] - fp[0]),
                zorder=6,
                color="#222222",
                linespacing=1.1,
            )
    if not per_fixture:
        _runs(ax, store, fps, cats, pt_per_m)
    return kinds


def _runs(
    ax: plt.Axes, store: Store, fps: list[np.ndarray], cats: dict[str, str], pt_per_m: float
) -> None:
    runs: list[tuple[str, list[np.ndarray]]] = []
    for f, fp in zip(store.fixtures, fps, strict=True):
        cat = cats.get(f.id)
        if cat is None:
            continue
        prev = runs[-1][1][-1] if runs else None
        joined = (
            prev is not None
            and runs[-1][0] == cat
            and np.allclose(prev[1] - prev[0], fp[1] - fp[0])
            and np.linalg.norm(prev[1] - fp[0]) < 0.05
        )
        if joined:
            runs[-1][1].append(fp)
        else:
            runs.append((cat, [fp]))
    size = 7.0 if pt_per_m >= 15 else 5.5
    for cat, run in runs:
        if 1.2 * len(run) * pt_per_m < len(cat) * size * 0.65:
            continue  # would spill over the neighbours
        c = np.vstack(run).mean(axis=0)
        ax.text(
            c[0],
            c[1],
            cat,
            ha="center",
            va="center",
            rotation=_upright(run[0][1] - run[0][0]),
            fontsize=size,
            zorder=7,
            color="#222222",
            bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.75},
        )


def _gates(ax: plt.Axes, store: Store, length: float) -> None:
    """Doorways on the wall with an arrow for the way people go through them; one label
    for gates of a kind that stand side by side."""
    groups: list[list] = []
    for g in store.gates:
        a, b = np.asarray(g.a, float), np.asarray(g.b, float)
        colour = ENTRY if g.kind == "entry" else EXIT
        ax.plot([a[0], b[0]], [a[1], b[1]], color=colour, lw=5, solid_capstyle="butt", zorder=8)
        m, n = g.midpoint(), g.inward()
        if g.kind == "entry":
            start, end = m - n * length * 1.4, m - n * length * 0.15
        else:
            start, end = m - n * length * 0.15, m - n * length * 1.4
        ax.add_patch(
            FancyArrowPatch(
                start, end, arrowstyle="-|>", mutation_scale=16, color=colour, lw=2.2, zorder=8
            )
        )
        if (
            groups
            and groups[-1][0].kind == g.kind
            and np.linalg.norm(groups[-1][-1].midpoint() - m) < 2.5 * length
        ):
            groups[-1].append(g)
        else:
            groups.append([g])
    for grp in groups:
        m = np.mean([g.midpoint() for g in grp], axis=0)
        lab = m - grp[0].inward() * length * 1.55
        colour = ENTRY if grp[0].kind == "entry" else EXIT
        ax.text(
            lab[0],
            lab[1],
            ", ".join(g.id for g in grp),
            ha="center",
            va="top",
            fontsize=8,
            color=colour,
            zorder=8,
        )


def _cameras(ax: plt.Axes, store: Store, pt_per_m: float) -> None:
    if not store.cameras:
        return
    pos = np.array([c.position() for c in store.cameras])
    tips = []
    for c, p in zip(store.cameras, pos, strict=True):
        axis = c.rotation().T @ np.array([0.0, 0.0, 1.0])  # optical axis in the world
        t = (p[2] - HAND_HEIGHT) / max(-axis[2], 1e-6)
        tips.append(p[:2] + axis[:2] * min(t, 3.0))
    tip = np.array(tips)
    ms = max(6.0, min(22.0, pt_per_m * 0.4))
    ax.plot(
        np.stack([pos[:, 0], tip[:, 0]]),
        np.stack([pos[:, 1], tip[:, 1]]),
        color=CAMERA,
        lw=0.8,
        zorder=9,
    )
    ax.scatter(pos[:, 0], pos[:, 1], s=ms, c="white", ec=CAMERA, lw=0.9, zorder=10)
