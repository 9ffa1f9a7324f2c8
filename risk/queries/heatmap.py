"""Reads of the heat map: how many risks the viewer may see sit in each cell of the active matrix, for the
inherent and for the current scores, laid out for a server-rendered SVG.

Counts come from one aggregate query per grid (GROUP BY likelihood, impact) over the viewer's visible risks,
so the page costs the same whatever the size of the register. Colours are the matrix's data (arbitrary
``#rrggbb``): they go into SVG presentation attributes (allowed by our CSP, unlike ``style=""``), and the
count on each cell is written in black or white, whichever contrasts more with the cell's colour.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from risk.models import RiskMatrix
from risk.queries.register import LIVE_STATUS, LIVE_STATUSES, risks_for_user

# By default the heat map shows the live risks: drafts are not assessed yet and closed ones are gone.
DEFAULT_STATUSES = LIVE_STATUSES
KINDS = {"inherent": _("Inherent risk"), "current": _("Current risk")}

# SVG geometry, in viewBox units (the SVG scales to the width of its box).
CELL = 64
LEFT = 120  # room for the likelihood axis title and labels
TOP = 8
BOTTOM = 52  # room for the impact labels and the axis title
LABEL_CHARS = 13

FALLBACK_COLOUR = "#9e9e9e"
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def safe_colour(colour) -> str:
    """The matrix colour when it is a hex colour, else a neutral grey (data never reaches the page raw)."""
    if isinstance(colour, str) and HEX_COLOUR.match(colour):
        if len(colour) == 4:
            colour = "#" + "".join(c * 2 for c in colour[1:])
        return colour.lower()
    return FALLBACK_COLOUR


def text_colour(background: str) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio on ``background`` (#rrggbb)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(background[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    # contrast with black (L + .05) / .05 against white 1.05 / (L + .05): equal at L ≈ 0.179
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


@dataclass
class Cell:
    likelihood: int
    impact: int
    count: int
    level: dict
    fill: str
    text: str
    x: int
    y: int
    url: str
    label: str

    @property
    def cx(self):
        return self.x + CELL // 2

    @property
    def cy(self):
        return self.y + CELL // 2

    @property
    def marker_points(self):
        """A small triangle in the top right corner: above appetite, told without relying on colour."""
        right, top = self.x + CELL - 3, self.y + 3
        return f"{right},{top} {right},{top + 14} {right - 14},{top}"


@dataclass
class Grid:
    kind: str
    title: str | Promise  # in the reader's language when rendered
    total: int
    rows: list  # rows of cells, highest likelihood first, each lowest impact first
    appetite_segments: list  # (x1, y1, x2, y2): the line between cells within and above appetite
    likelihood_labels: list  # (y, short label, full label), highest first
    impact_labels: list  # (x, short label, full label), lowest first
    plot_right: int
    plot_bottom: int

    @property
    def width(self):
        return self.plot_right + 8

    @property
    def height(self):
        return self.plot_bottom + BOTTOM

    @property
    def cells(self):
        return [cell for row in self.rows for cell in row]

    # The size of a cell, and where the axis labels and titles go.
    cell_size = CELL
    label_x = LEFT - 6
    likelihood_title_x = 12

    @property
    def label_y(self):
        return self.plot_bottom + 14

    @property
    def impact_title(self):
        return (LEFT + self.plot_right) // 2, self.plot_bottom + 38

    @property
    def likelihood_title_y(self):
        return (TOP + self.plot_bottom) // 2


def cell_counts(risks, kind: str) -> dict[tuple[int, int], int]:
    """{(likelihood, impact): count} for the ``kind`` scores, in one GROUP BY query."""
    likelihood, impact = f"{kind}_likelihood", f"{kind}_impact"
    rows = risks.order_by().values(likelihood, impact).annotate(n=Count("pk"))
    return {(row[likelihood], row[impact]): row["n"] for row in rows}


def _appetite_segments(matrix: RiskMatrix) -> list[tuple[int, int, int, int]]:
    """Edges between a cell above appetite and a neighbour within it: the appetite line, as a staircase."""
    rows, columns = len(matrix.likelihood_scale), len(matrix.impact_scale)

    def above(likelihood, impact):
        return matrix.level_index(likelihood, impact) > matrix.appetite

    segments = []
    for likelihood in range(rows):
        y = TOP + (rows - 1 - likelihood) * CELL
        for impact in range(columns):
            if not above(likelihood, impact):
                continue
            x = LEFT + impact * CELL
            if impact > 0 and not above(likelihood, impact - 1):
                segments.append((x, y, x, y + CELL))  # left edge
            if likelihood > 0 and not above(likelihood - 1, impact):
                segments.append((x, y + CELL, x + CELL, y + CELL))  # bottom edge
            if impact < columns - 1 and not above(likelihood, impact + 1):
                segments.append((x + CELL, y, x + CELL, y + CELL))  # right edge (non-monotonic matrices)
            if likelihood < rows - 1 and not above(likelihood + 1, impact):
                segments.append((x, y, x + CELL, y))  # top edge (non-monotonic matrices)
    return segments


def build_grid(matrix: RiskMatrix, counts: dict, kind: str, *, register_url: str, status: str = "") -> Grid:
    """The grid of ``kind`` (inherent or current) laid out for the SVG, with a link and a label per cell."""
    likelihoods, impacts = matrix.likelihood_scale, matrix.impact_scale
    rows_n, columns_n = len(likelihoods), len(impacts)
    rows = []
    for likelihood in reversed(range(rows_n)):
        row = []
        for impact in range(columns_n):
            level = matrix.level(likelihood, impact)
            fill = safe_colour(level.get("colour"))
            count = counts.get((likelihood, impact), 0)
            # The register lists exactly what the cell counts: the same statuses, the same cell.
            query = {
                "kind": kind,
                "likelihood": likelihood,
                "impact": impact,
                **({"status": status} if status else {}),
            }
            if level["above_appetite"]:
                text = ngettext(
                    "Likelihood %(likelihood)s, impact %(impact)s: %(count)s risk "
                    "(level %(level)s, above appetite)",
                    "Likelihood %(likelihood)s, impact %(impact)s: %(count)s risks "
                    "(level %(level)s, above appetite)",
                    count,
                )
            else:
                text = ngettext(
                    "Likelihood %(likelihood)s, impact %(impact)s: %(count)s risk (level %(level)s)",
                    "Likelihood %(likelihood)s, impact %(impact)s: %(count)s risks (level %(level)s)",
                    count,
                )
            label = text % {
                "likelihood": likelihoods[likelihood]["label"],
                "impact": impacts[impact]["label"],
                "count": count,
                "level": level["name"],
            }
            row.append(
                Cell(
                    likelihood=likelihood,
                    impact=impact,
                    count=count,
                    level=level,
                    fill=fill,
                    text=text_colour(fill),
                    x=LEFT + impact * CELL,
                    y=TOP + (rows_n - 1 - likelihood) * CELL,
                    url=f"{register_url}?{urlencode(query)}",
                    label=label,
                )
            )
        rows.append(row)
    return Grid(
        kind=kind,
        title=KINDS[kind],
        total=sum(counts.get((lk, im), 0) for lk in range(rows_n) for im in range(columns_n)),
        rows=rows,
        appetite_segments=_appetite_segments(matrix),
        likelihood_labels=[
            (TOP + (rows_n - 1 - i) * CELL + CELL // 2, _short(s["label"]), s["label"])
            for i, s in reversed(list(enumerate(likelihoods)))
        ],
        impact_labels=[
            (LEFT + i * CELL + CELL // 2, _short(s["label"]), s["label"]) for i, s in enumerate(impacts)
        ],
        plot_right=LEFT + columns_n * CELL,
        plot_bottom=TOP + rows_n * CELL,
    )


def heat_map(user, *, status_all: bool = False) -> dict | None:
    """The active matrix's legend and the inherent and current grids of the risks ``user`` may see.

    Queries: the active matrix, then one GROUP BY per grid. None when no matrix is active.
    """
    matrix = RiskMatrix.objects.filter(is_active=True).first()
    if matrix is None:
        return None
    # Risk.matrix is always the active matrix; the filter keeps half-remapped scores out of range away.
    risks = risks_for_user(user).filter(matrix=matrix)
    if not status_all:
        risks = risks.filter(status__in=DEFAULT_STATUSES)
    register_url = reverse("risk:register")
    status = "" if status_all else LIVE_STATUS
    grids = [
        build_grid(matrix, cell_counts(risks, kind), kind, register_url=register_url, status=status)
        for kind in KINDS
    ]
    legend = [
        {
            "name": level["name"],
            "fill": safe_colour(level.get("colour")),
            "above_appetite": index > matrix.appetite,
        }
        for index, level in enumerate(matrix.levels)
    ]
    return {
        "matrix": matrix,
        "grids": grids,
        "legend": legend,
        "appetite": matrix.levels[matrix.appetite]["name"],
        "register_url": register_url,
    }
