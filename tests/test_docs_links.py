"""Every relative link in README.md and docs/*.md leads to a file there is, and
every #anchor to a heading the page has, as GitHub makes its ids.

README sends readers to the docs pages' sections for the rest of what it says
in short, and the pages send them back: a heading renamed or text moved from
one page to another would otherwise leave a link that lands at a page's top.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_CODE = re.compile(r"`+[^`]*`+")


def _prose_lines(path: Path):
    """(line number, text) of the lines outside fenced code, inline code taken out."""
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: its text lower-cased, links and code marks
    taken away, punctuation but '-' and '_' dropped, spaces made hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    for _, line in _prose_lines(path):
        heading = _HEADING.match(line)
        if heading:
            anchor = github_anchor(heading.group(2))
            count = seen.get(anchor, 0)
            seen[anchor] = count + 1
            yield anchor if count == 0 else f"{anchor}-{count}"


def test_github_anchor_as_github_makes_it():
    assert github_anchor("`content/site.yaml`") == "contentsiteyaml"
    assert github_anchor("Mistakes don't stop it") == "mistakes-dont-stop-it"
    assert github_anchor("Deploying to a `gh-pages` branch") == "deploying-to-a-gh-pages-branch"
    assert github_anchor("Wikilinks, as Obsidian writes them") == "wikilinks-as-obsidian-writes-them"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_relative_link_and_anchor_leads_somewhere(page):
    broken = []
    for number, line in _prose_lines(page):
        for target in _LINK.findall(_CODE.sub("", line)):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.name}:{number}: {target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in set(anchors(linked)):
                broken.append(f"{page.name}:{number}: {target}: no such heading in {linked.name}")
    assert not broken, "\n".join(broken)
