"""Charts drawn on the server as inline SVG: horizontal bars, stacked columns, lines and sparklines.

A view (or a dashboard panel's context function) turns its numbers into a chart here; the template draws it
with ``{% load charts %}{% chart panel.chart %}`` (``dpms/templatetags/charts.py``), which renders the partial
in ``templates/partials/charts/`` the chart names. The helper only does geometry: every coordinate is worked
out in Python, so the partials hold no arithmetic and no inline ``style`` attribute or script (the
Content-Security-Policy forbids both); colours and patterns come from ``static/css/charts.css`` through
classes.

Every chart carries its own text alternative: a ``<title>`` and ``<desc>`` inside the SVG (named by
``aria-labelledby``, with ``role="img"``), and a visually hidden table of every value. Series are told apart
by more than colour: stacked parts by a fill pattern as well (solid, hatched, dotted), lines by their marker
(circle, square, diamond) and dash, and each is named in a legend drawn next to it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

# Patterns and markers, by series index: the second way (besides colour) of telling series apart.
PATTERNS = ("solid", "hatch", "dots", "cross", "vlines", "hlines")
MARKERS = ("circle", "square", "diamond", "triangle")
LABEL_CHARS = 16  # a bar's label is cut to this many characters in the drawing ("In Untersuchung" whole)


def month_starts_back(count: int, today: date) -> list[date]:
    """The first days of the ``count`` calendar months up to ``today``'s, oldest first."""
    months = [today.replace(day=1)]
    while len(months) < count:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    return months


def nice_max(value: float) -> float:
    """The axis top for ``value``: the next 1, 2, 2.5 or 5 times a power of ten (1 for nothing)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            top = step * power
            return int(top) if float(top).is_integer() else top
    return 10 * power  # pragma: no cover - the loop always returns


def number_text(value: float | None) -> str:
    """A value as the chart's text writes it, in the reader's language ("2.5", "2,5")."""
    if value is None:
        return gettext("no data")
    return str(int(value)) if float(value).is_integer() else formats.number_format(value, 1)


@dataclass(frozen=True)
class Series:
    """One named series: its key (a CSS class suffix, e.g. "reviewed") and the label shown in the legend."""

    key: str
    label: str
    colour: str = ""  # a fill of its own (a risk level's colour from its matrix); else the key's CSS class


@dataclass
class Bar:
    """One bar of a bar chart; ``link`` is the filtered list behind the number."""

    label: str
    value: float
    link: str = ""
    key: str = ""  # CSS class suffix (e.g. a severity); the bar's colour
    colour: str = ""  # a fill of its own instead (an SVG presentation attribute, allowed by the CSP)
    # Geometry, filled in by ``bar_chart``.
    y: float = 0
    width: float = 0
    text_y: float = 0
    value_x: float = 0
    text: str = ""

    @property
    def short_label(self) -> str:
        """The label as drawn (the table and the tooltip carry it whole)."""
        return self.label if len(self.label) <= LABEL_CHARS else self.label[: LABEL_CHARS - 1] + "…"


@dataclass
class Segment:
    """One part of a stacked column: a series' value in one column."""

    series: Series
    value: float
    link: str = ""
    pattern: str = "solid"
    y: float = 0
    height: float = 0
    text: str = ""


@dataclass
class Column:
    """One column of a stacked chart (a month, a campaign): its label and its parts, in series order."""

    label: str
    segments: list[Segment]
    link: str = ""
    long_label: str = ""  # the label in the table and the description ("Jan 2026" for "Jan")
    x: float = 0
    width: float = 0
    label_x: float = 0
    total: float = 0
    total_y: float = 0

    @property
    def total_text(self) -> str:
        return number_text(self.total)

    @property
    def summary(self) -> str:
        """The column in words (a linked column's accessible name)."""
        parts = ", ".join(f"{segment.series.label} {segment.text}" for segment in self.segments)
        return f"{self.long_label or self.label}: {parts}"


@dataclass
class Point:
    x: float
    y: float
    value: float
    text: str
    label: str

    # The markers' shapes around the point (a template does no arithmetic).
    @property
    def square(self) -> dict:
        return {"x": round(self.x - 3.5, 1), "y": round(self.y - 3.5, 1)}

    @property
    def diamond(self) -> str:
        x, y = self.x, self.y
        return (
            f"{x},{round(y - 4.5, 1)} {round(x + 4.5, 1)},{y} {x},{round(y + 4.5, 1)} {round(x - 4.5, 1)},{y}"
        )

    @property
    def triangle(self) -> str:
        x, y, low = self.x, self.y, round(self.y + 3.5, 1)
        return f"{x},{round(y - 4.5, 1)} {round(x + 4.5, 1)},{low} {round(x - 4.5, 1)},{low}"


@dataclass
class Line:
    """One line of a line chart: its series, marker and points (a gap where a value is None)."""

    series: Series
    marker: str
    dashed: bool
    points: list[Point | None]  # None: a gap
    texts: list[str]  # every value as text, gaps included (for the table)

    @property
    def polylines(self) -> list[str]:
        """The line's runs between gaps, as SVG ``points`` attributes."""
        return [" ".join(f"{point.x},{point.y}" for point in run) for run in self.runs]

    @property
    def runs(self) -> list[list[Point]]:
        runs: list[list[Point]] = []
        for point in self.points:
            if point is None:
                runs.append([])
            elif runs:
                runs[-1].append(point)
            else:
                runs.append([point])
        return [run for run in runs if run]

    @property
    def drawn(self) -> list[Point]:
        """The points drawn (gaps left out)."""
        return [point for point in self.points if point is not None]


@dataclass
class LegendEntry:
    series: Series
    pattern: str
    marker: str
    dashed: bool
    x: float
    y: float


@dataclass
class Tick:
    y: float
    text: str


@dataclass
class Chart:
    """Everything a partial needs: the template, the SVG's size, the accessible texts and the parts."""

    kind: str  # "bar", "stacked", "line", "sparkline"
    slug: str  # unique on the page: the ids of the title, the description and the patterns derive from it
    title: str
    description: str
    width: int
    height: int
    empty: bool
    empty_text: str | Promise = gettext_lazy("Nothing to show yet.")
    bars: list[Bar] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    x_labels: list[dict] = field(default_factory=list)
    unit: str = ""
    x_title: str = ""  # the hidden table's first column (e.g. "Month")
    plot_left: float = 0
    plot_right: float = 0
    axis_y: float = 0
    label_y: float = 0

    @property
    def has_links(self) -> bool:
        """Whether the drawing holds links (linked columns or parts): then it is a group, not an image (an
        image's content is hidden from assistive technology, links included)."""
        linked = (column.link or any(s.link and s.height for s in column.segments) for column in self.columns)
        return any(linked)

    @property
    def role(self) -> str:
        return "group" if self.has_links else "img"

    @property
    def template(self) -> str:
        return f"partials/charts/{self.kind}.html"

    @property
    def label_x(self) -> float:
        """Where the labels left of the plot end (bars) and the axis numbers are right-aligned."""
        return self.plot_left - 6

    @property
    def title_id(self) -> str:
        return f"chart-{self.slug}-title"

    @property
    def desc_id(self) -> str:
        return f"chart-{self.slug}-desc"

    def pattern_id(self, pattern: str) -> str:
        return f"chart-{self.slug}-{pattern}"

    @property
    def patterns(self) -> list[dict]:
        """The fill patterns this chart uses (its ``<defs>``), with their ids."""
        used = sorted({entry.pattern for entry in self.legend if entry.pattern != "solid"})
        return [{"name": name, "id": self.pattern_id(name)} for name in used]

    @property
    def table_rows(self) -> list[dict]:
        """The visually hidden table: one row per bar, column or x label; one cell per series."""
        if self.kind == "bar":
            return [{"label": bar.label, "cells": [bar.text]} for bar in self.bars]
        if self.kind == "stacked":
            return [
                {"label": column.long_label or column.label, "cells": [s.text for s in column.segments]}
                for column in self.columns
            ]
        return [
            {"label": label.get("long", label["text"]), "cells": [line.texts[index] for line in self.lines]}
            for index, label in enumerate(self.x_labels)
        ]

    @property
    def table_headers(self) -> list[str]:
        if self.kind == "bar":
            return [self.unit or gettext("Value")]
        if self.kind == "stacked":
            return [series.label for series in self.series]
        return [line.series.label for line in self.lines]


# --- Horizontal bars ---------------------------------------------------------------------------------------
BAR_WIDTH = 320
BAR_ROW = 26
BAR_LABEL = 112  # the labels' column on the left: room for LABEL_CHARS characters
BAR_VALUE = 40  # room for the value after the longest bar


def bar_chart(
    *, slug: str, title: str, bars: Sequence[Bar], description: str = "", unit: str = "", x_title: str = ""
) -> Chart:
    """Horizontal bars, one per category, each labelled with its value; the longest bar spans the plot."""
    bars = list(bars)
    top = max((bar.value for bar in bars), default=0)
    plot = BAR_WIDTH - BAR_LABEL - BAR_VALUE
    for index, bar in enumerate(bars):
        bar.y = index * BAR_ROW + 4
        bar.width = round(plot * bar.value / top, 1) if top else 0
        bar.text_y = bar.y + 13
        bar.value_x = BAR_LABEL + bar.width + 6
        bar.text = number_text(bar.value)
    summary = ", ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return Chart(
        kind="bar",
        slug=slug,
        title=title,
        description=description or summary,
        width=BAR_WIDTH,
        height=max(len(bars), 1) * BAR_ROW + 4,
        empty=not bars or top == 0,
        bars=bars,
        unit=unit,
        x_title=x_title,
        plot_left=BAR_LABEL,
    )


# --- Stacked columns ---------------------------------------------------------------------------------------
STACK_WIDTH = 360
STACK_HEIGHT = 200
STACK_LEFT, STACK_RIGHT, STACK_TOP, STACK_BOTTOM = 34, 8, 34, 26
LEGEND_ROW = 16


def _legend(series: Sequence[Series], *, width: float, lines: bool = False) -> list[LegendEntry]:
    """Entries left to right, wrapping onto a second row when they do not fit."""
    entries, x, y = [], 4.0, 4.0
    for index, one in enumerate(series):
        room = 22 + 7 * len(one.label)
        if x + room > width and x > 4:
            x, y = 4.0, y + LEGEND_ROW
        entries.append(
            LegendEntry(
                series=one,
                pattern="solid" if lines else PATTERNS[index % len(PATTERNS)],
                marker=MARKERS[index % len(MARKERS)],
                dashed=lines and index % 2 == 1,
                x=x,
                y=y,
            )
        )
        x += room
    return entries


def _ticks(top: float, *, bottom: float, height: float, count: int = 2) -> list[Tick]:
    return [
        Tick(y=round(bottom - height * step / count, 1), text=number_text(top * step / count))
        for step in range(count + 1)
    ]


def stacked_bar_chart(
    *,
    slug: str,
    title: str,
    series: Sequence[Series],
    columns: Sequence[Column],
    description: str = "",
    x_title: str = "",
) -> Chart:
    """Vertical columns (months, campaigns) stacked from their segments, in series order from the bottom."""
    series, columns = list(series), list(columns)
    legend = _legend(series, width=STACK_WIDTH)
    top_margin = STACK_TOP + (legend[-1].y if legend else 0)
    plot_height = STACK_HEIGHT - top_margin - STACK_BOTTOM
    plot_width = STACK_WIDTH - STACK_LEFT - STACK_RIGHT
    top = nice_max(max((sum(s.value for s in column.segments) for column in columns), default=0))
    slot = plot_width / max(len(columns), 1)
    bottom = STACK_HEIGHT - STACK_BOTTOM
    patterns = {entry.series.key: entry.pattern for entry in legend}
    for index, column in enumerate(columns):
        column.width = round(min(slot * 0.7, 40), 1)
        column.x = round(STACK_LEFT + slot * index + (slot - column.width) / 2, 1)
        column.label_x = round(column.x + column.width / 2, 1)
        y = float(bottom)
        for segment in column.segments:
            segment.height = round(plot_height * segment.value / top, 1)
            y -= segment.height
            segment.y = round(y, 1)
            segment.pattern = patterns.get(segment.series.key, "solid")
            segment.text = number_text(segment.value)
        column.total = sum(segment.value for segment in column.segments)
        column.total_y = round(y - 4, 1)
    summary = "; ".join(
        f"{column.long_label or column.label}: "
        + ", ".join(f"{s.series.label} {s.text}" for s in column.segments)
        for column in columns
    )
    return Chart(
        kind="stacked",
        slug=slug,
        title=title,
        description=description or summary,
        width=STACK_WIDTH,
        height=STACK_HEIGHT,
        empty=not columns or all(column.total == 0 for column in columns),
        columns=columns,
        series=series,
        x_title=x_title,
        legend=legend,
        ticks=_ticks(top, bottom=bottom, height=plot_height),
        plot_left=STACK_LEFT,
        plot_right=STACK_WIDTH - STACK_RIGHT,
        axis_y=bottom,
        label_y=bottom + 16,
    )


# --- Lines -------------------------------------------------------------------------------------------------
LINE_WIDTH = 360
LINE_HEIGHT = 190
LINE_LEFT, LINE_RIGHT, LINE_TOP, LINE_BOTTOM = 34, 12, 34, 26


def line_chart(
    *,
    slug: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[Series, Sequence[float | None]]],
    texts: Sequence[Sequence[str]] | None = None,
    description: str = "",
    unit: str = "",
    label_every: int = 1,
    x_title: str = "",
    long_labels: Sequence[str] | None = None,
) -> Chart:
    """Lines over shared x labels (months); a None value is a gap. ``texts`` (per series, per value) says
    how each value reads in the table and the description (e.g. "3 h 10 min"); numbers otherwise."""
    x_labels = list(x_labels)
    long_labels = list(long_labels or x_labels)
    legend = _legend([one for one, _values in series], width=LINE_WIDTH, lines=True)
    top_margin = LINE_TOP + (legend[-1].y if legend else 0)
    plot_height = LINE_HEIGHT - top_margin - LINE_BOTTOM
    plot_width = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    values = [value for _one, row in series for value in row if value is not None]
    top = nice_max(max(values, default=0))
    bottom = LINE_HEIGHT - LINE_BOTTOM
    step = plot_width / max(len(x_labels) - 1, 1)

    def x_of(index: int) -> float:
        if len(x_labels) == 1:
            return round(LINE_LEFT + plot_width / 2, 1)
        return round(LINE_LEFT + step * index, 1)

    lines = []
    for number, ((one, row), entry) in enumerate(zip(series, legend, strict=True)):
        row_texts = list(texts[number]) if texts else [number_text(value) for value in row]
        points = [
            Point(
                x=x_of(index),
                y=round(bottom - plot_height * value / top, 1),
                value=value,
                text=row_texts[index],
                label=long_labels[index],
            )
            if value is not None
            else None
            for index, value in enumerate(row)
        ]
        lines.append(
            Line(series=one, marker=entry.marker, dashed=entry.dashed, points=points, texts=row_texts)
        )
    labels = [
        {
            "x": x_of(index),
            "text": label,
            "long": long_labels[index],
            "shown": index % label_every == 0 or index == len(x_labels) - 1,
        }
        for index, label in enumerate(x_labels)
    ]
    summary = "; ".join(
        f"{line.series.label}: "
        + ", ".join(f"{label} {text}" for label, text in zip(long_labels, line.texts, strict=True))
        for line in lines
    )
    return Chart(
        kind="line",
        slug=slug,
        title=title,
        description=description or summary,
        width=LINE_WIDTH,
        height=LINE_HEIGHT,
        empty=not values,
        lines=lines,
        series=[one for one, _values in series],
        legend=legend,
        ticks=_ticks(top, bottom=bottom, height=plot_height),
        x_labels=labels,
        unit=unit,
        x_title=x_title,
        plot_left=LINE_LEFT,
        plot_right=LINE_WIDTH - LINE_RIGHT,
        axis_y=bottom,
        label_y=bottom + 16,
    )


SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 28, 3


def sparkline(
    *, slug: str, title: str, x_labels: Sequence[str], values: Sequence[float | None], description: str = ""
) -> Chart:
    """A small line without axes, to sit next to a number; its last point is marked."""
    one = Series("trend", title)
    top = nice_max(max((value for value in values if value is not None), default=0))
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(values) - 1, 1)
    texts = [number_text(value) for value in values]
    points = [
        Point(
            x=round(SPARK_PAD + step * index, 1),
            y=round(SPARK_HEIGHT - SPARK_PAD - (SPARK_HEIGHT - 2 * SPARK_PAD) * value / top, 1),
            value=value,
            text=texts[index],
            label=x_labels[index],
        )
        if value is not None
        else None
        for index, value in enumerate(values)
    ]
    line = Line(series=one, marker="circle", dashed=False, points=points, texts=texts)
    summary = ", ".join(f"{label} {text}" for label, text in zip(x_labels, texts, strict=True))
    return Chart(
        kind="sparkline",
        slug=slug,
        title=title,
        description=description or summary,
        width=SPARK_WIDTH,
        height=SPARK_HEIGHT,
        empty=all(value is None for value in values),
        lines=[line],
        series=[one],
        x_labels=[{"text": label} for label in x_labels],
    )
