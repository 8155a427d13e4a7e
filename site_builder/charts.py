"""Small charts drawn at build time: geometry here, SVG markup in templates.

A topic page shows a bar chart of its papers per digest date; ``/topics/`` a
heat map of every topic across dates. Past ``MAX_COLUMNS`` dates both switch to
months, so two years of daily digests still give a legible chart.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

from .errors import counted

if TYPE_CHECKING:
    from .site import DateView, TopicView

MAX_COLUMNS = 31


@dataclass(frozen=True)
class Column:
    label: str  # short, under the bar or column: "Mar 18" or "Mar 2025"
    long_label: str  # for titles: "Mar 18, 2025" or "March 2025"
    dates: tuple[dt.date, ...]
    unit: str  # what a column stands for: "digest date" or "month"


def columns_for(dates_oldest: tuple[DateView, ...]) -> tuple[Column, ...]:
    if len(dates_oldest) <= MAX_COLUMNS:
        return tuple(Column(f"{d.date:%b} {d.date.day}", d.label, (d.date,), "digest date") for d in dates_oldest)
    months: dict[str, list[dt.date]] = {}
    for d in dates_oldest:
        months.setdefault(f"{d.date:%Y-%m}", []).append(d.date)
    return tuple(
        Column(f"{days[0]:%b %Y}", f"{days[0]:%B %Y}", tuple(days), "month") for days in months.values()
    )


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str
    title: str  # "Mar 18, 2025: 4 papers"
    show_label: bool


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]
    show_counts: bool  # above each bar; else one line marks the peak
    peak: int
    peak_y: float


def column_counts(columns: tuple[Column, ...], papers_dates: Iterable[Iterable[dt.date]]) -> tuple[int, ...]:
    """How many of the papers (given by their dates) each column has: a paper
    twice in one month is one paper of that month, as the month's page lists it."""
    column_of = {date: index for index, column in enumerate(columns) for date in column.dates}
    counts = [0] * len(columns)
    # Papers by their dates first: far fewer kinds than papers (a rebuild at
    # 20,000 papers does this for every topic).
    for dates, papers in Counter(map(tuple, papers_dates)).items():
        for index in {column_of[date] for date in dates if date in column_of}:
            counts[index] += papers
    return tuple(counts)


def build_topic_chart(topic_name: str, columns: tuple[Column, ...], counts: tuple[int, ...], total: int) -> BarChart:
    """``columns`` are :func:`columns_for` the site's dates (the same for
    every topic), ``counts`` the topic's :func:`column_counts`, ``total`` its
    papers: a paper of two dates is in two bars, but one paper."""
    width, top, bottom, side = 480, 22, 26, 8
    height = 150
    plot = height - top - bottom
    slot = (width - 2 * side) / max(1, len(columns))
    gap = min(8.0, slot * 0.2)
    highest = max(counts, default=0) or 1
    # Labels at least 90 units apart: room for "Sep 2025" at the larger
    # font a phone gets.
    every = math.ceil(90 / slot)
    bars = tuple(
        Bar(
            x=round(side + i * slot + gap / 2, 2),
            y=round(top + plot - plot * n / highest, 2),
            width=round(slot - gap, 2),
            height=round(plot * n / highest, 2),
            count=n,
            label=column.label,
            title=f"{column.long_label}: {counted(n, 'paper')}",
            show_label=i % every == 0,
        )
        for i, (column, n) in enumerate(zip(columns, counts))
    )
    unit = columns[0].unit if columns else "digest date"
    busiest = max(range(len(counts)), key=lambda i: (counts[i], -i)) if counts else None
    description = (
        f"{counted(total, 'paper')} across {counted(len(columns), unit)}"
        + (f"; most on {columns[busiest].long_label} ({counts[busiest]:,})." if busiest is not None else ".")
        + (" " + "; ".join(bar.title for bar in bars) + "." if bars else "")
    )
    return BarChart(
        title=f"{topic_name}: papers per {unit}",
        description=description,
        width=width, height=height, baseline=top + plot, bars=bars,
        show_counts=slot >= 22, peak=max(counts, default=0), peak_y=top,
    )


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    count: int
    level: int  # 0 (none) to 4 (the busiest cells)
    title: str


@dataclass(frozen=True)
class HeatRow:
    name: str
    y: float
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Heatmap:
    title: str
    description: str
    width: int
    height: int
    label_width: int
    cell_width: float
    cell_height: int
    header: tuple[tuple[float, str], ...]  # (x of the label's centre: its column's, or moved in to stay in the picture; label)
    rows: tuple[HeatRow, ...]
    show_counts: bool


def _level(count: int, highest: int) -> int:
    """0 for none, else 1 to 4 on a square-root scale, so one busy topic does
    not leave every other cell in the palest shade."""
    return 0 if count == 0 else max(1, min(4, math.ceil(4 * math.sqrt(count / highest))))


def _header_label_width(label: str) -> float:
    """The width a column label of the 12px text takes, with a little room:
    about 7.4 units a character ("May 2024" is 59 px in DejaVu Sans)."""
    return 7.4 * len(label) + 2


def build_topics_overview(
    topics: tuple[TopicView, ...],
    columns: tuple[Column, ...],
    counts: Mapping[str, tuple[int, ...]],
) -> Heatmap:
    """``counts``: each topic's :func:`column_counts`, by slug."""
    # The cells start after room for the longest name (about 6.8 units per
    # character of 12.5px text): the template shows the names beside the cells.
    label_width = 16 + round(6.8 * max((len(topic.name) for topic in topics), default=10))
    cell_height, header_height = 22, 26
    # At most 52 wide, so that four dates fit beside the names on a 390px phone.
    cell_width = max(18.0, min(52.0, 430 / max(1, len(columns))))
    highest = max((n for row in counts.values() for n in row), default=0) or 1
    # A label over every column where it fits, else over every few, at least
    # its width apart: months ran into each other over 52-unit cells.
    widest = max((_header_label_width(column.label) for column in columns), default=0.0)
    every = max(1 if cell_width >= 46 else -(-len(columns) // 6), math.ceil(widest / cell_width))
    # Centred over its column, but inside the cells' width: the first label
    # ("Jan 1", about 40 units) over a column narrower than itself stuck out
    # to the left of the picture, where the scrolling box cut it ("an 1").
    right = label_width + cell_width * len(columns)

    def label_x(i: int, label: str) -> float:
        half = _header_label_width(label) / 2
        return round(max(label_width + half, min(right - half, label_width + (i + 0.5) * cell_width)), 2)

    header = tuple((label_x(i, column.label), column.label) for i, column in enumerate(columns) if i % every == 0)
    rows = tuple(
        HeatRow(
            name=topic.name,
            y=header_height + r * cell_height,
            cells=tuple(
                Cell(
                    x=round(label_width + i * cell_width, 2), y=header_height + r * cell_height,
                    count=n, level=_level(n, highest),
                    title=f"{topic.name}, {column.long_label}: {counted(n, 'paper')}",
                )
                for i, (column, n) in enumerate(zip(columns, counts[topic.slug]))
            ),
        )
        for r, topic in enumerate(topics)
    )
    unit = columns[0].unit if columns else "digest date"
    return Heatmap(
        title=f"Papers per topic and {unit}",
        description=(
            f"{counted(len(topics), 'topic')} across {counted(len(columns), unit)}; "
            f"the stronger the colour, the more papers, up to {counted(highest, 'paper')} in one cell."
        ),
        width=int(label_width + cell_width * len(columns) + 4),
        height=header_height + cell_height * len(topics) + 2,
        label_width=label_width, cell_width=round(cell_width, 2), cell_height=cell_height,
        header=header, rows=rows, show_counts=cell_width >= 24,
    )
