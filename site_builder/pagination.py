"""Long lists split into pages: a topic's, a tag's and the starred papers
50 to a page, the A–Z list 500 titles to a page under their initials. Page 1
is at the list's own address, page n at "page/n/" under it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from .papers import Paper

if TYPE_CHECKING:
    from .site import PaperView


TOPIC_PAGE_SIZE = 50  # papers per topic page: a topic of 4,000 papers was one 3 MB page
TITLE_PAGE_SIZE = 500  # titles per page of the A–Z list: 20,000 were one 4.6 MB page


@dataclass(frozen=True)
class LetterLink:
    """A heading of the A–Z list and the page where its titles begin."""

    letter: str
    url: str


@dataclass(frozen=True)
class Pagination:
    """One page of a list split into pages: page 1 at the list's own URL,
    page n at "page/n/" under it (as Hugo numbers them)."""

    number: int  # from 1
    pages: int
    first: int  # the first item shown, counted from 1
    last: int
    total: int
    url: str
    previous: str | None  # the URL of the page before (a topic's: newer papers)
    next: str | None

    def title(self, name: str) -> str:
        """The title of this page of the list called ``name``."""
        return name if self.number == 1 else f"{name} · page {self.number}"


def paginate(url: str, total: int, size: int = TOPIC_PAGE_SIZE) -> tuple[Pagination, ...]:
    """The pages of a list of ``total`` items (at least one page, if empty)."""
    pages = max(1, -(-total // size))
    urls = [url] + [f"{url}page/{number}/" for number in range(2, pages + 1)]
    return tuple(
        Pagination(
            number, pages, (number - 1) * size + 1, min(number * size, total), total, urls[number - 1],
            urls[number - 2] if number > 1 else None, urls[number] if number < pages else None,
        )
        for number in range(1, pages + 1)
    )


def title_list_pages(
    papers: Sequence[Paper], views: Sequence[PaperView],
) -> list[tuple[Pagination, tuple[tuple[str, tuple[PaperView, ...]], ...], tuple[LetterLink, ...]]]:
    """The pages of the A–Z list of ``views`` (of ``papers``, in that order):
    each page's place, its titles under their letters, and every letter with
    the page where its titles begin."""
    parts = paginate("papers/", len(views), TITLE_PAGE_SIZE)
    letter_of = [letter_of_paper(paper) for paper in papers]
    letters: dict[str, LetterLink] = {}
    for index, letter in enumerate(letter_of):
        if letter not in letters:
            letters[letter] = LetterLink(letter, parts[index // TITLE_PAGE_SIZE].url)
    pages = []
    for part in parts:
        groups: dict[str, list[PaperView]] = {}
        for index in range(part.first - 1, part.last):
            groups.setdefault(letter_of[index], []).append(views[index])
        pages.append((part, tuple((letter, tuple(items)) for letter, items in groups.items()), tuple(letters.values())))
    return pages


def letter_of_paper(paper: Paper) -> str:
    """The A–Z list's heading for ``paper``: the first letter of its sort key, or "#"."""
    first = paper.sort_key[0][:1].upper()  # "\0" before a title that starts otherwise
    return first if first.isalpha() and first.isascii() else "#"
