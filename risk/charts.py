"""A risk's score history as a small SVG line chart, computed here and drawn by a template.

x: review dates (plus today, with the risk's present current level); y: the current level index, lowest
level at the bottom; the inherent level as a dashed line. Only SVG presentation attributes are used (no
``style`` attributes), so the chart passes the strict Content-Security-Policy.
"""

import datetime
from dataclasses import dataclass

WIDTH, HEIGHT = 520, 180
LEFT, RIGHT, TOP, BOTTOM = 96, 16, 12, 28


@dataclass(frozen=True)
class TrendPoint:
    x: float
    y: float
    day: datetime.date
    level_name: str
    colour: str


def _y(level_index: int, level_count: int) -> float:
    band = (HEIGHT - TOP - BOTTOM) / max(level_count, 1)
    return round(HEIGHT - BOTTOM - band * (level_index + 0.5), 1)


def trend_chart(*, risk, assessments, today: datetime.date) -> dict | None:
    """The chart's geometry for a template; None when the risk has no level to draw."""
    matrix = risk.matrix
    levels = matrix.levels
    current = risk.current_level
    if current is None:
        return None
    series = [(assessment.reviewed_at.date(), assessment.current_level_index) for assessment in assessments]
    if not series or series[-1][0] < today:
        series.append((today, current["index"]))
    first, last = series[0][0], series[-1][0]
    span = max((last - first).days, 1)
    plot_width = WIDTH - LEFT - RIGHT

    def x_of(day):
        if first == last:
            return LEFT + plot_width / 2
        return round(LEFT + plot_width * (day - first).days / span, 1)

    points = [
        TrendPoint(
            x_of(day),
            _y(min(index, len(levels) - 1), len(levels)),
            day,
            levels[min(index, len(levels) - 1)]["name"],
            levels[min(index, len(levels) - 1)]["colour"],
        )
        for day, index in series
    ]
    band = (HEIGHT - TOP - BOTTOM) / len(levels)
    bands = [
        {
            "y": round(HEIGHT - BOTTOM - band * (index + 1), 1),
            "height": round(band, 1),
            "label_y": _y(index, len(levels)) + 4,
            "name": level["name"],
            "colour": level["colour"],
            "index": index,
        }
        for index, level in enumerate(levels)
    ]
    inherent = risk.inherent_level
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "plot_width": plot_width,
        "label_x": LEFT - 6,
        "axis_y": HEIGHT - BOTTOM,
        "date_y": HEIGHT - BOTTOM + 18,
        "bands": bands,
        "points": points,
        "polyline": " ".join(f"{point.x},{point.y}" for point in points),
        "inherent_y": _y(inherent["index"], len(levels)) if inherent else None,
        "inherent_name": inherent["name"] if inherent else "",
        "first_day": first,
        "last_day": last,
        "summary": ", ".join(f"{point.day:%d %b %Y}: {point.level_name}" for point in points),
    }
