"""Charts for reports: PNG images (matplotlib, no display), embedded in the HTML as data URIs.

Time axes have fixed ticks in the period's own time zone (a month: days 1, 8, 15, 22 and 29; a
year: each month's first day), so labels never crowd or shift by the zone's offset, whatever the
data. Sparse
series are drawn so they read: a series of a few points is drawn with markers, each labelled
with its value, and a single point is never a lone unlabelled dot.
"""

from __future__ import annotations

import base64
import io
from datetime import datetime

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt

BLUE, ORANGE, RED, GREEN, GREY = "#0b3d91", "#d97706", "#cf222e", "#1a7f37", "#6e7781"
PALETTE = [BLUE, "#8250df", "#0969da", "#bf3989", "#1b7c83", "#953800"]
FEW = 6  # at most this many points: markers with their values
SPARSE = 40  # at most this many points: markers on the line


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _style(ax, title: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=11, loc="left", fontweight="bold", pad=10)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 100)
    ax.grid(True, axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _ticks(start: datetime, end: datetime) -> list[datetime]:
    """Days 1, 8, 15, 22 and 29 of each month of [start, end) for a month or so; else each month's first day."""
    days = (1, 8, 15, 22, 29) if (end - start).days <= 62 else (1,)
    out, year, month = [], start.year, start.month
    while datetime(year, month, 1, tzinfo=start.tzinfo) < end:
        out += [datetime(year, month, d, tzinfo=start.tzinfo) for d in days]
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [d for d in out if start <= d < end]


def _time_axis(ax, start: datetime, end: datetime, months: list[str] | None = None) -> None:
    """Fixed ticks over [start, end), labelled in start's time zone (a label never shifts by a day)."""
    tz = start.tzinfo
    ticks = _ticks(start, end)
    ax.set_xlim(start, end)
    ax.set_xticks(ticks)
    if len(ticks) > 6:  # a year: the months' names
        names = months or [f"{m:02d}" for m in range(1, 13)]
        ax.set_xticklabels([names[d.month - 1] for d in ticks])
    else:
        ax.set_xticklabels([d.strftime("%d/%m") for d in ticks])
        ax.xaxis.set_minor_locator(mdates.DayLocator(tz=tz))
    ax.tick_params(axis="x", labelsize=8, rotation=0)
    ax.tick_params(axis="x", which="minor", length=2)


def _label_points(ax, xs, ys, colour: str, fmt: str = "{:.0f}%") -> None:
    for x, y in zip(xs, ys, strict=True):
        ax.annotate(
            fmt.format(y), (x, y), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8, color=colour
        )


def score_trend(points: list[tuple[datetime, float]], title: str, ylabel: str, start: datetime, end: datetime) -> str:
    fig, ax = plt.subplots(figsize=(8, 2.6))
    if points:
        xs, ys = zip(*points, strict=True)
        if len(points) == 1:  # one run: a labelled marker on a stem, not a lone dot
            ax.vlines(xs, 0, ys, color=BLUE, linewidth=1, alpha=0.5)
        ax.plot(xs, ys, marker="o", markersize=6 if len(points) <= FEW else 3, color=BLUE, linewidth=2)
        if len(points) <= FEW:
            _label_points(ax, xs, ys, BLUE)
        else:
            _label_points(ax, xs[-1:], ys[-1:], BLUE)
    ax.axhline(100, color=GREEN, linewidth=0.8, linestyle=":")
    _time_axis(ax, start, end)
    _style(ax, title, ylabel)
    ax.set_ylim(0, 110)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    return _png(fig)


def capacity(
    series: dict[str, list[tuple[datetime, float]]],
    ram: list[tuple[datetime, float]],
    warn: float,
    crit: float,
    title: str,
    ylabel: str,
    ram_label: str,
    start: datetime,
    end: datetime,
    months: list[str] | None = None,
) -> str:
    """Disk use % per filesystem (solid) and RAM use % (dashed), with the warning/critical lines."""
    fig, ax = plt.subplots(figsize=(8, 2.8))
    lines = [(mount, pts, PALETTE[i % len(PALETTE)], "-") for i, (mount, pts) in enumerate(sorted(series.items()))]
    if ram:
        lines.append((ram_label, ram, GREY, "--"))
    for label, pts, colour, style in lines:
        if not pts:
            continue
        xs, ys = zip(*pts, strict=True)
        few = len(pts) <= SPARSE
        ax.plot(
            xs,
            ys,
            color=colour,
            linewidth=1.8 if style == "-" else 1.2,
            linestyle=style,
            marker="o" if few else None,
            markersize=5 if len(pts) <= FEW else 3,
            label=label,
        )
        if len(pts) <= FEW:
            _label_points(ax, xs, ys, colour)
    ax.axhline(warn, color=ORANGE, linewidth=1, linestyle=":")
    ax.axhline(crit, color=RED, linewidth=1, linestyle=":")
    ax.text(end, warn, f" {warn:g}%", color=ORANGE, va="center", fontsize=8)
    ax.text(end, crit, f" {crit:g}%", color=RED, va="center", fontsize=8)
    _time_axis(ax, start, end, months)
    _style(ax, title, ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.14), fontsize=8, ncol=4, frameon=False)
    return _png(fig)


def monthly_bars(labels: list[str], values: list[float | None], title: str, ylabel: str, colour: str = BLUE) -> str:
    """One bar per month, labelled with its value; a month without data shows a dash."""
    fig, ax = plt.subplots(figsize=(8, 2.6))
    xs = range(len(labels))
    heights = [v if v is not None else 0 for v in values]
    bars = ax.bar(xs, heights, width=0.6, color=colour)
    for bar, v in zip(bars, values, strict=True):
        x = bar.get_x() + bar.get_width() / 2
        if v is None:
            ax.text(x, 2, "–", ha="center", va="bottom", fontsize=9, color=GREY)
        else:
            ax.text(x, v + 2, f"{v:.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    _style(ax, title, ylabel)
    ax.set_ylim(0, 112)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    return _png(fig)


def environment(
    series: dict[str, list[tuple[datetime, float]]],
    limits: dict[str, dict[str, float]],
    labels: dict[str, str],
    start: datetime,
    end: datetime,
) -> str:
    """Temperature and humidity over the period, one panel each, with the limits as dotted lines."""
    fig, axes = plt.subplots(len(series), 1, figsize=(8, 2.2 * len(series)), sharex=True, squeeze=False)
    for ax, (kind, pts) in zip(axes[:, 0], series.items(), strict=True):
        xs, ys = zip(*pts, strict=True)
        colour = BLUE if kind == "temperature" else "#1b7c83"
        ax.plot(
            xs,
            ys,
            color=colour,
            linewidth=1.2,
            marker="o" if len(pts) <= SPARSE else None,
            markersize=5 if len(pts) <= FEW else 3,
        )
        if len(pts) <= FEW:
            _label_points(ax, xs, ys, colour, "{:g}")
        for edge in ("min", "max"):
            value = limits[kind][edge]
            if value > 0:
                ax.axhline(value, color=RED, linewidth=1, linestyle=":")
                ax.text(end, value, f" {value:g}", color=RED, va="center", fontsize=8)
        low = min(min(ys), limits[kind]["min"] or min(ys))
        high = max(max(ys), limits[kind]["max"])
        ax.set_ylim(low - 2, high + 3)
        ax.set_title(labels[kind], fontsize=10, loc="left", fontweight="bold")
        ax.grid(True, axis="y", alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    _time_axis(axes[-1, 0], start, end)
    fig.tight_layout()
    return _png(fig)
