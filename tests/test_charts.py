"""Charts drawn at build time as inline SVG: geometry, labels and what a page shows."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from site_builder.charts import MAX_COLUMNS, build_topic_chart, build_topics_overview, column_counts, columns_for
from site_builder.site import DateView, TopicView

SVG = "{http://www.w3.org/2000/svg}"


def dates(*days: dt.date) -> tuple[DateView, ...]:
    return tuple(DateView(day, f"dates/{day.isoformat()}/", 0) for day in days)


MAR = dates(dt.date(2025, 3, 11), dt.date(2025, 3, 17), dt.date(2025, 3, 18))


def test_bars_are_proportional_to_papers_per_date():
    chart = build_topic_chart("Reasoning", columns_for(MAR), (2, 8, 0), 9)
    heights = [bar.height for bar in chart.bars]
    assert [bar.count for bar in chart.bars] == [2, 8, 0]
    assert heights[1] == max(heights) and heights[2] == 0
    assert abs(heights[0] * 4 - heights[1]) < 0.05
    assert all(bar.y + bar.height == chart.baseline for bar in chart.bars)
    assert [bar.title for bar in chart.bars] == [
        "Mar 11, 2025: 2 papers", "Mar 17, 2025: 8 papers", "Mar 18, 2025: 0 papers",
    ]
    assert chart.title == "Reasoning: papers per digest date"
    assert chart.description.startswith("9 papers across 3 digest dates; most on Mar 17, 2025 (8).")
    # Thousands are written as everywhere else on the site.
    busy = build_topic_chart("Reasoning", columns_for(MAR), (200, 1500, 0), 1700)
    assert busy.description.startswith("1,700 papers across 3 digest dates; most on Mar 17, 2025 (1,500).")


def test_a_paper_counts_once_per_column_and_once_in_all():
    """A paper in two digests of one month is one paper of that month, as the
    month's page lists it; in two months it is in both months' bars."""
    days = dates(*(dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(MAX_COLUMNS + 1)))
    columns = columns_for(days)
    assert [column.label for column in columns] == ["Jan 2024", "Feb 2024"]
    papers = [(dt.date(2024, 1, 3), dt.date(2024, 1, 9)), (dt.date(2024, 1, 30), dt.date(2024, 2, 1)), ()]
    assert column_counts(columns, papers) == (2, 1)
    assert column_counts(columns_for(MAR), [(MAR[0].date, MAR[1].date)]) == (1, 1, 0)


def test_bars_do_not_overlap_and_fit_the_chart():
    many = dates(*(dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(MAX_COLUMNS)))
    chart = build_topic_chart("Agents", columns_for(many), (1,) * len(many), len(many))
    for left, right in zip(chart.bars, chart.bars[1:]):
        assert left.x + left.width < right.x
    assert chart.bars[-1].x + chart.bars[-1].width <= chart.width
    labelled = [bar.x for bar in chart.bars if bar.show_label]
    assert len(labelled) >= 4
    assert all(right - left >= 90 for left, right in zip(labelled, labelled[1:]))


def test_two_years_of_daily_digests_are_charted_by_month():
    days = dates(*(dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(730)))
    columns = columns_for(days)
    chart = build_topic_chart("Agents", columns, column_counts(columns, [(d.date,) for d in days]), len(days))
    assert len(chart.bars) == 24
    assert chart.bars[0].title == "January 2024: 31 papers"
    assert chart.title == "Agents: papers per month"
    assert not chart.show_counts and chart.peak == 31, "too narrow for counts: the peak is marked instead"


def test_one_digest_a_month_for_three_years_is_charted_and_named_by_month():
    days = dates(*(dt.date(2022 + m // 12, m % 12 + 1, 1) for m in range(36)))
    columns = columns_for(days)
    chart = build_topic_chart("Agents", columns, column_counts(columns, [(d.date,) for d in days]), len(days))
    assert chart.bars[0].title == "January 2022: 1 paper"
    assert chart.title == "Agents: papers per month"
    assert "across 36 months" in chart.description


def test_overview_shades_cells_by_papers_and_fits_the_longest_topic_name():
    topics = (
        TopicView("a", "Agents", "", "topics/a/", 9),
        TopicView("b", "Continual Learning, Editing & Merging", "", "topics/b/", 1),
    )
    chart = build_topics_overview(topics, columns_for(MAR), {"a": (64, 1, 16), "b": (0, 0, 36)})
    levels = [[cell.level for cell in row.cells] for row in chart.rows]
    assert levels == [[4, 1, 2], [0, 0, 3]]
    assert chart.rows[0].cells[0].title == "Agents, Mar 11, 2025: 64 papers"
    assert chart.label_width > 6 * len(topics[1].name)
    assert [label for _x, label in chart.header] == ["Mar 11", "Mar 17", "Mar 18"]


def test_overview_labels_do_not_run_into_each_other():
    """Five months of daily digests: "Jan 2024" (about 55 px at the chart's
    12 px) over every 52 px column ran into "Feb 2024"."""
    topics = (TopicView("a", "Agents", "", "topics/a/", 9),)
    for days in (130, 31, 9, 3):
        columns = columns_for(dates(*(dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(days))))
        chart = build_topics_overview(topics, columns, {"a": (1,) * len(columns)})
        xs = [x for x, _label in chart.header]
        widest = 7.4 * max(len(label) for _x, label in chart.header)
        assert len(xs) >= min(3, len(columns))
        assert all(right - left >= widest for left, right in zip(xs, xs[1:])), (days, chart.header)
    assert [label for _x, label in chart.header] == ["Jan 1", "Jan 2", "Jan 3"]  # each, where they fit


def svg_of(page: str) -> ET.Element:
    return svgs_of(page)[0]


def svgs_of(page: str) -> list[ET.Element]:
    found = re.findall(r"<svg.*?</svg>", page, re.S)
    assert found, "the page has an inline SVG chart"
    return [ET.fromstring(svg.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1)) for svg in found]


def test_topic_page_has_an_accessible_chart_without_scripts(shipped_site):
    page = (shipped_site / "topics" / "reasoning" / "index.html").read_text(encoding="utf-8")
    svg = svg_of(page)
    assert svg.get("role") == "img"
    labelled_by = svg.get("aria-labelledby").split()
    ids = {element.get("id"): element for element in svg.iter() if element.get("id")}
    assert [ids[i].tag for i in labelled_by] == [f"{SVG}title", f"{SVG}desc"]
    assert ids[labelled_by[0]].text == "Reasoning & Math: papers per digest date"
    bar_titles = [g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g")]
    assert bar_titles == [
        "Mar 11, 2025: 0 papers", "Mar 17, 2025: 16 papers", "Mar 18, 2025: 1 paper", "Sep 10, 2025: 0 papers",
    ]
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "label"]
    assert labels == ["Mar 11", "Mar 17", "Mar 18", "Sep 10"]
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_topics_page_shows_every_topic_across_dates(shipped_site):
    page = (shipped_site / "topics" / "index.html").read_text(encoding="utf-8")
    (svg,) = svgs_of(page)[:1]
    # The row names are HTML beside the picture (so a long one can end in an
    # ellipsis), hidden from screen readers: the picture's cells name them.
    (labels,) = re.findall(r'<ul class="heatmap-names" aria-hidden="true">(.*?)</ul>', page, re.S)
    row_labels = re.findall(r'<li class="row-label"><span>([^<]+)</span></li>', labels)
    assert svg.get("role") == "img"
    topic_links = re.findall(r'<h2><a href="/atlas/topics/[^"]+/">([^<]+)</a>', page)
    assert len(row_labels) == len(topic_links) > 20
    assert set(row_labels) == set(topic_links)
    cells = [g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g")]
    assert len(cells) == len(row_labels) * 4
    assert "Reasoning & Math, Mar 17, 2025: 16 papers" in cells


def test_a_topic_chart_counts_each_paper_once_as_its_heading_does(shipped_site):
    """Papers recur across digests: the chart's total was the bars' sum (89
    papers on a page of 79)."""
    for page in (shipped_site / "topics").glob("*/index.html"):
        text = page.read_text(encoding="utf-8")
        (heading,) = re.findall(r'<h1>.*<span class="count">([\d,]+) papers?</span></h1>', text)
        (described,) = re.findall(r'<desc id="topic-chart-desc">([\d,]+) papers? across', text)
        assert described == heading, page


def test_overview_labels_stay_inside_the_picture():
    """The picture starts at the first column, in a box that scrolls and cuts
    what sticks out: "Jan 1" centred over an 18-unit column showed as "an 1"."""
    topics = (TopicView("a", "Agents", "", "topics/a/", 9),)
    for days in (3, 9, 12, 27, 31, 60, 400, 800):
        columns = columns_for(dates(*(dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(days))))
        chart = build_topics_overview(topics, columns, {"a": (1,) * len(columns)})
        right = chart.label_width + chart.cell_width * len(columns)
        for x, label in chart.header:
            half = 7.4 * len(label) / 2
            assert chart.label_width <= x - half and x + half <= right, (days, x, label)
        # Each still over its column where it fits there.
        if chart.cell_width >= 7.4 * len(chart.header[0][1]):
            assert chart.header[0][0] == round(chart.label_width + chart.cell_width / 2, 2)


def test_a_chart_counts_one_date_topic_and_paper_as_the_site_does():
    # A first site, of one digest, said "1 topics across 1 digest dates"; and
    # past 21 columns the peak's line said "1 papers", or "1500 papers".
    one = columns_for(MAR[:1])
    assert build_topic_chart("Agents", one, (2,), 2).description.startswith("2 papers across 1 digest date;")
    overview = build_topics_overview((TopicView("a", "Agents", "", "topics/a/", 2),), one, {"a": (2,)})
    assert overview.description.startswith("1 topic across 1 digest date;")
    from site_builder.config import SiteConfig
    from site_builder.render import make_environment

    partial = make_environment(SiteConfig()).get_template("partials/bar_chart.html")
    many = columns_for(dates(*(dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(MAX_COLUMNS))))
    for peak, said in ((1, "1 paper"), (1500, "1,500 papers")):
        chart = build_topic_chart("Agents", many, (peak,) + (0,) * (len(many) - 1), peak)
        assert not chart.show_counts
        labels = [t.text for t in svg_of(partial.render(chart=chart, chart_id="c")).iter(f"{SVG}text")]
        assert labels[0] == said
