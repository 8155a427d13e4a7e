"""docs/templates.md against the code: the variables each template is given,
the fields of every object a template can reach, the filters and the partials.

The doc is read simply: a ``### `name` `` heading per template or object under
its ``## `` section, and the backticked name in the first column of each
table row. What the code gives is found without the built-in templates: each
page of a small site model is rendered by the real ``render_page`` through a
template that only lists the names it can see.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Mapping

import jinja2
import pytest
from jinja2 import meta

from site_builder.aliases import Alias
from site_builder.config import SiteConfig
from site_builder.pages import OwnPage
from site_builder.papers import Paper
from site_builder.markup import make_markdown
from site_builder.render import BUILTIN_TEMPLATES, PAPER_ITEM, make_environment, render_page
from site_builder.site import Page, Site, build_site
from site_builder.template_outline import template_outline
from site_builder.topics_yaml import parse_taxonomy

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "templates.md"
# A full base_url, so that the site has every kind of page (the sitemap needs one).
CONFIG = SiteConfig(base_url="https://example.org/atlas/")
ASSETS = {"style.css": "static/style.0.css"}
JINJA_GLOBALS = set(jinja2.Environment().globals)
JINJA_FILTERS = set(jinja2.Environment().filters)
PROBE = "names_here"

_HEADING = re.compile(r"^(#{2,3}) (.*)$")
_FIRST_NAME = re.compile(r"`([^`]+)`")
_ROW_NAME = re.compile(r"^\|\s*`([^`(]+)")


def read_reference(text: str) -> dict[str, dict[str, list[str]]]:
    """section → subsection → the table rows under it. A ``### `` heading is
    keyed by its first backticked name ("PaperView"), rows by their whole
    line; rows straight under a section are under the subsection ""."""
    found: dict[str, dict[str, list[str]]] = defaultdict(dict)
    section, subsection = "", ""
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if in_code:
            continue
        heading = _HEADING.match(line)
        if heading:
            level, title = heading.groups()
            if level == "##":
                section, subsection = title, ""
            else:
                name = _FIRST_NAME.search(title)
                subsection = name.group(1) if name else title
                found[section].setdefault(subsection, [])
        elif line.startswith("| `"):
            found[section].setdefault(subsection, []).append(line)
    return found


def row_names(rows: list[str]) -> set[str]:
    """The first column's names: `title(name)` is the method `title`."""
    return {_ROW_NAME.match(row).group(1).strip() for row in rows}


def cells(row: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, list[str]]]:
    return read_reference(REFERENCE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def site() -> Site:
    taxonomy = parse_taxonomy(
        "topics:\n  - {slug: speech, name: Speech, description: Audio., keywords: {speech: 3}}\n", "topics.yaml",
    )
    papers = [
        Paper(slug, title, (date,), None, ("https://example.org/x",), "A speech model.", "Notes.",
              (("rating", 4), ("tags", ["later"]), ("starred", True)), Path(f"{slug}.md"),
              aliases=(Alias(f"papers/old-{slug}/", Path(f"{slug}.md"), 3),))
        for slug, title, date in (
            ("one", "One speech paper", dt.date(2025, 3, 18)), ("two", "Two speech papers", dt.date(2025, 4, 1)),
        )
    ]
    order = {paper.dates[0]: (paper.key,) for paper in papers}
    about = OwnPage("about", "About", "Who keeps it.", True, "Mine.", Path("pages/about.md"))
    # A sitemap limit of 2 URLs, so that the site has a sitemap index and its parts too.
    return build_site(CONFIG, papers, taxonomy, make_markdown(), order, sitemap_url_limit=2, own_pages=[about])


def probing_environment(templates: set[str]) -> jinja2.Environment:
    """The site's environment, every template replaced by one that writes
    the names it sees (its context and the globals)."""
    env = make_environment(CONFIG)
    env.globals[PROBE] = jinja2.pass_context(lambda context: " ".join(sorted(context.keys())))
    env.loader = jinja2.DictLoader({name: "{{ %s() }}" % PROBE for name in templates | {PAPER_ITEM}})
    return env


def seen(output: str | bytes) -> set[str]:
    text = output.decode() if isinstance(output, bytes) else str(output)
    return set(text.split()) - JINJA_GLOBALS - {PROBE}


def page_templates(site: Site) -> set[str]:
    return {page.template for page in site.pages}


def test_the_model_has_a_page_of_every_built_in_template(site):
    files = {path.name for path in BUILTIN_TEMPLATES.iterdir() if path.is_file()} - {"base.html"}
    assert page_templates(site) == files


def test_each_template_is_documented_with_the_variables_it_is_given(reference, site):
    everywhere = row_names(reference["Every template"][""])
    every_html_page = row_names(reference["Every HTML page"][""])
    env = probing_environment(page_templates(site))
    given = {}
    for template in sorted(page_templates(site)):
        first = next(page for page in site.pages if page.template == template)
        html = every_html_page if template.endswith(".html") else set()
        given[template] = sorted(seen(render_page(env, first, ASSETS)) - everywhere - html)
    documented = {template: sorted(row_names(rows)) for template, rows in reference["Page templates"].items()}
    assert documented == given
    # What is documented for every template is given to every one, and for every HTML page to those only.
    for template in page_templates(site):
        first = next(page for page in site.pages if page.template == template)
        names = seen(render_page(env, first, ASSETS))
        assert everywhere <= names, template
        assert (every_html_page <= names) if template.endswith(".html") else not (every_html_page & names), template


def test_the_paper_item_partial_sees_what_the_doc_says(reference, site):
    env = probing_environment(page_templates(site))
    partials = {cells(row)[0].strip("`"): cells(row)[1] for row in reference["Partials"][""]}
    globals_ = set(env.globals) - JINJA_GLOBALS - {PROBE}
    assert globals_ <= row_names(reference["Every template"][""])
    expected = set(_FIRST_NAME.findall(partials[PAPER_ITEM])) | globals_
    assert seen(env.globals["paper_item"](site.papers[0])) == expected


def test_each_partial_is_documented_with_the_variables_it_reads(reference):
    env = make_environment(CONFIG)
    directory = BUILTIN_TEMPLATES / "partials"
    reads = {}
    for path in sorted(directory.iterdir()):
        parsed = env.parse(path.read_text(encoding="utf-8"))
        reads[f"partials/{path.name}"] = sorted(meta.find_undeclared_variables(parsed) - set(env.globals))
    documented = {
        cells(row)[0].strip("`"): sorted(_FIRST_NAME.findall(cells(row)[1])) for row in reference["Partials"][""]
    }
    assert documented == reads


def test_the_filters_are_documented(reference):
    added = set(make_environment(CONFIG).filters) - JINJA_FILTERS
    assert row_names(reference["Filters"][""]) == added


def reachable_types(*roots: Any) -> set[type]:
    """The dataclasses among ``roots`` and everything they hold."""
    found: set[type] = set()
    seen_ids: set[int] = set()
    stack = list(roots)
    while stack:
        value = stack.pop()
        if id(value) in seen_ids:
            continue
        seen_ids.add(id(value))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            found.add(type(value))
            stack.extend(getattr(value, field.name) for field in dataclasses.fields(value))
        elif isinstance(value, Mapping):
            stack.extend(value.values())
        elif isinstance(value, (tuple, list)):
            stack.extend(value)
    return found


def public_names(cls: type) -> set[str]:
    """What a template can read of a ``cls``: its fields, properties and methods."""
    names = {field.name for field in dataclasses.fields(cls)}
    for klass in cls.__mro__[:-1]:
        names |= {
            name for name, value in vars(klass).items()
            if not name.startswith("_") and (isinstance(value, property) or callable(value))
        }
    return names


def test_every_object_a_template_reaches_is_documented_field_by_field(reference, site):
    # `page` holds its context, so the pages hold everything but `site`.
    types = {
        cls for cls in reachable_types(site.pages, CONFIG)
        # The charts are documented by the partials that draw them (see the doc).
        if cls.__module__ != "site_builder.charts"
    }
    assert Page in types and SiteConfig in types
    documented = {name: sorted(row_names(rows)) for name, rows in reference["Objects"].items()}
    assert documented == {cls.__name__: sorted(public_names(cls)) for cls in types}


def test_the_blocks_to_extend_are_documented(reference):
    """Every block of base.html, and each block a page template adds to
    those, under its template's heading: a block not listed is one a
    template of one's own that extends the built-in one cannot know of."""
    env = make_environment(CONFIG)

    def blocks(name: str) -> set[str]:
        return set(template_outline(env, (BUILTIN_TEMPLATES / name).read_text(encoding="utf-8"), name, None).blocks)

    base = blocks("base.html")
    added = {path.name: blocks(path.name) - base for path in BUILTIN_TEMPLATES.glob("*.html") if path.name != "base.html"}
    documented = {name: row_names(rows) for name, rows in reference["Extending a built-in template"].items()}
    assert documented == {"base.html": base} | {name: own for name, own in added.items() if own}

def test_the_reader_finds_headings_rows_and_methods():
    text = (
        "## Page templates\n### `a.html`\n\nNothing.\n### `b.html`\n| variable | x |\n| --- | --- |\n"
        "| `x` | one \\| two |\n## Objects\n```\n| `not_a_row` |\n```\n### `P`: a p\n| `title(name)` | t |\n"
    )
    found = read_reference(text)
    assert {name: row_names(rows) for name, rows in found["Page templates"].items()} == {"a.html": set(), "b.html": {"x"}}
    assert row_names(found["Objects"]["P"]) == {"title"}
    assert cells(found["Page templates"]["b.html"][0]) == ["`x`", "one \\| two"]


def test_readme_links_the_template_reference():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    templates_section = readme.split("### Templates", 1)[1].split("\n## ", 1)[0]
    assert "(docs/templates.md)" in templates_section
