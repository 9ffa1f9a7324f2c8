"""The SVG chart helper (dpms/charts.py) and its partials: values become bars, columns and points in
proportion; empty data says so; every chart carries its text alternative; nothing needs inline style."""

import re

from django.template import Context, Template

from dpms import charts


def draw(chart) -> str:
    return Template("{% load charts %}{% chart drawing %}").render(Context({"drawing": chart}))


def test_bars_are_as_long_as_their_values_and_say_them():
    chart = charts.bar_chart(
        slug="sev",
        title="Open incidents by severity",
        bars=[charts.Bar("SEV1", 4, key="sev1"), charts.Bar("SEV2", 2, key="sev2"), charts.Bar("SEV3", 0)],
    )
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == 2 * widths[1]
    assert widths[2] == 0
    svg = draw(chart)
    assert 'class="chart-fill chart-s-sev1"' in svg
    assert re.search(r'<text [^>]*class="chart-text chart-value">4</text>', svg)
    assert "SEV1: 4, SEV2: 2, SEV3: 0" in svg  # the description


def test_a_stacked_column_adds_its_parts_from_the_bottom():
    series = [charts.Series("reviewed", "Reviewed"), charts.Series("pending", "Pending")]
    chart = charts.stacked_bar_chart(
        slug="camp",
        title="Campaign completion",
        series=series,
        columns=[
            charts.Column("Q1", [charts.Segment(series[0], 30), charts.Segment(series[1], 10)]),
            charts.Column("Q2", [charts.Segment(series[0], 5), charts.Segment(series[1], 15)]),
        ],
    )
    first, second = chart.columns
    assert first.total == 40
    assert second.total == 20
    reviewed, pending = first.segments
    assert reviewed.height == 3 * pending.height
    assert pending.y + pending.height == reviewed.y  # pending sits on top of reviewed
    assert first.segments[0].height + first.segments[1].height == 2 * (
        second.segments[0].height + second.segments[1].height
    )
    svg = draw(chart)
    # The second series is hatched as well as coloured, and the legend names both.
    assert 'fill="url(#chart-camp-hatch)"' in svg
    assert '<pattern id="chart-camp-hatch"' in svg
    assert ">Reviewed</text>" in svg
    assert ">Pending</text>" in svg


def test_a_line_has_a_gap_where_a_month_has_no_value():
    chart = charts.line_chart(
        slug="mtta",
        title="Time to acknowledge",
        x_labels=["Jan", "Feb", "Mar", "Apr"],
        series=[(charts.Series("acknowledge", "Acknowledge (hours)"), [2, None, 4, 1])],
    )
    (line,) = chart.lines
    assert len(line.polylines) == 2  # Jan alone, then Mar to Apr
    ys = [point.y for point in line.drawn]
    assert ys[1] < ys[0] < ys[2]  # higher values are drawn higher up (smaller y)
    svg = draw(chart)
    assert "<td>no data</td>" in svg


def test_empty_data_draws_no_svg_but_says_so_and_keeps_the_table():
    chart = charts.bar_chart(slug="none", title="Open incidents", bars=[charts.Bar("SEV1", 0)])
    html = draw(chart)
    assert chart.empty
    assert "<svg" not in html
    assert "Nothing to show yet." in html
    assert '<div class="visually-hidden"><table data-testid="chart-table">' in html
    assert draw(charts.stacked_bar_chart(slug="e", title="E", series=[], columns=[])).count("<svg") == 0
    assert draw(None) == ""


def test_every_chart_has_a_title_a_description_a_role_and_a_table_of_its_values():
    one = charts.Series("acknowledge", "Acknowledge")
    drawings = [
        charts.bar_chart(slug="b", title="Bars", bars=[charts.Bar("A", 1)]),
        charts.stacked_bar_chart(
            slug="s", title="Stacked", series=[one], columns=[charts.Column("A", [charts.Segment(one, 2)])]
        ),
        charts.line_chart(slug="l", title="Lines", x_labels=["A", "B"], series=[(one, [1, 2])]),
        charts.sparkline(slug="k", title="Spark", x_labels=["A", "B"], values=[1, 3]),
    ]
    for chart in drawings:
        svg = draw(chart)
        assert 'role="img"' in svg
        assert f'aria-label="{chart.title}"' in svg
        assert f'<title id="chart-{chart.slug}-title">{chart.title}</title>' in svg
        assert f'aria-describedby="chart-{chart.slug}-desc"' in svg
        assert f"<caption>{chart.title}</caption>" in svg
        assert re.search(r'<th scope="row">A</th><td>[123]</td>', svg), chart.kind
        # The Content-Security-Policy forbids inline style and scripts: the charts need neither.
        assert "style=" not in svg
        assert "<script" not in svg
        assert " on" not in svg.replace(" one", "")


def test_lines_differ_by_marker_and_dash_not_only_by_colour():
    chart = charts.line_chart(
        slug="two",
        title="Two",
        x_labels=["A", "B"],
        series=[(charts.Series("acknowledge", "Ack"), [1, 2]), (charts.Series("resolve", "Res"), [3, 4])],
    )
    svg = draw(chart)
    assert [line.marker for line in chart.lines] == ["circle", "square"]
    assert svg.count('stroke-dasharray="5 3"') == 2  # the second line and its legend entry
    assert "<rect" in svg
    assert "<circle" in svg


def test_labels_too_long_for_the_drawing_are_cut_there_and_whole_in_the_table():
    chart = charts.bar_chart(slug="p", title="People", bars=[charts.Bar("Bartholomew Longname-Smith", 3)])
    svg = draw(chart)
    assert ">Bartholomew Lon…</text>" in svg
    assert '<th scope="row">Bartholomew Longname-Smith</th>' in svg


def test_a_german_incident_state_fits_the_drawing_whole():
    chart = charts.bar_chart(slug="s", title="Status", bars=[charts.Bar("In Untersuchung", 2)])
    assert ">In Untersuchung</text>" in draw(chart)


def test_axis_tops_are_round_numbers():
    assert [charts.nice_max(v) for v in (0, 1, 3, 7, 11, 240, 0.4)] == [1, 1, 5, 10, 20, 250, 0.5]


def test_up_to_six_stacked_series_each_have_a_pattern_of_their_own():
    series = [charts.Series(f"level-{n}", f"Level {n}", colour="#123456") for n in range(6)]
    chart = charts.stacked_bar_chart(
        slug="levels",
        title="Levels",
        series=series,
        columns=[charts.Column("Jan", [charts.Segment(one, 1) for one in series])],
    )
    assert len({entry.pattern for entry in chart.legend}) == 6
    svg = draw(chart)
    assert svg.count("<pattern ") == 5  # solid needs none
    assert 'fill="#123456"' in svg  # a series' own colour (a matrix level's) is an SVG attribute


def test_a_part_or_a_column_with_a_list_behind_it_is_a_link_named_by_its_number():
    met = charts.Series("met", "Met")
    chart = charts.stacked_bar_chart(
        slug="clocks",
        title="Clocks",
        series=[met],
        columns=[
            charts.Column(
                "Jan", [charts.Segment(met, 2, link="/incidents/?clock=met")], long_label="Jan 2026"
            ),
            charts.Column("Feb", [charts.Segment(met, 0, link="/incidents/?clock=met&m=2")]),
        ],
    )
    svg = draw(chart)
    assert '<a href="/incidents/?clock=met" class="chart-link" aria-label="Jan 2026: Met 2">' in svg
    # An image hides its content from screen readers: a drawing with links is a group, named the same way.
    assert 'role="group" aria-label="Clocks"' in svg
    assert "m=2" not in svg  # nothing drawn for zero: no link to an empty list
