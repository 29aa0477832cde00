"""Charts for reports: PNG images (matplotlib, no display), embedded in the HTML as data URIs."""

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


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _style(ax, title: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=11, loc="left", fontweight="bold")
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 100)
    ax.grid(True, axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def score_trend(points: list[tuple[datetime, float]], title: str, ylabel: str, start: datetime, end: datetime) -> str:
    fig, ax = plt.subplots(figsize=(8, 2.6))
    if points:
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, marker="o", color=BLUE, linewidth=2)
        for x, y in [points[-1]]:
            ax.annotate(f"{y:.0f}%", (x, y), textcoords="offset points", xytext=(4, 6), fontsize=9)
    ax.axhline(100, color=GREEN, linewidth=0.8, linestyle=":")
    ax.set_xlim(start, end)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d/%m"))
    _style(ax, title, ylabel)
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
) -> str:
    """Disk use % per filesystem (solid) and RAM use % (dashed), with the warning/critical lines."""
    fig, ax = plt.subplots(figsize=(8, 2.8))
    for i, (mount, pts) in enumerate(sorted(series.items())):
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, color=PALETTE[i % len(PALETTE)], linewidth=1.8, label=mount)
    if ram:
        xs, ys = zip(*ram, strict=True)
        ax.plot(xs, ys, color=GREY, linewidth=1.2, linestyle="--", label=ram_label)
    ax.axhline(warn, color=ORANGE, linewidth=1, linestyle=":")
    ax.axhline(crit, color=RED, linewidth=1, linestyle=":")
    ax.text(end, warn, f" {warn:g}%", color=ORANGE, va="center", fontsize=8)
    ax.text(end, crit, f" {crit:g}%", color=RED, va="center", fontsize=8)
    ax.set_xlim(start, end)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d/%m"))
    _style(ax, title, ylabel)
    ax.legend(loc="upper left", fontsize=8, ncol=4, frameon=False)
    return _png(fig)


def monthly_bars(labels: list[str], values: list[float | None], title: str, ylabel: str, colour: str = BLUE) -> str:
    fig, ax = plt.subplots(figsize=(8, 2.6))
    xs = range(len(labels))
    heights = [v if v is not None else 0 for v in values]
    bars = ax.bar(xs, heights, color=[colour if v is not None else "#eaeef2" for v in values])
    for bar, v in zip(bars, values, strict=True):
        if v is not None:
            ax.text(bar.get_x() + bar.get_width() / 2, v + 1, f"{v:.0f}", ha="center", fontsize=8)
    ax.set_xticks(list(xs), labels, fontsize=8)
    _style(ax, title, ylabel)
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
    for ax, (kind, pts) in zip(axes[:, 0], sorted(series.items()), strict=True):
        xs, ys = zip(*pts, strict=True)
        ax.plot(xs, ys, color=BLUE if kind == "temperature" else "#1b7c83", linewidth=1.2)
        for edge in ("min", "max"):
            value = limits[kind][edge]
            if value > 0:
                ax.axhline(value, color=RED, linewidth=1, linestyle=":")
                ax.text(end, value, f" {value:g}", color=RED, va="center", fontsize=8)
        low = min(min(ys), limits[kind]["min"] or min(ys))
        high = max(max(ys), limits[kind]["max"])
        ax.set_ylim(low - 2, high + 2)
        ax.set_title(labels[kind], fontsize=10, loc="left", fontweight="bold")
        ax.grid(True, axis="y", alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[-1, 0].set_xlim(start, end)
    axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%d/%m"))
    return _png(fig)
