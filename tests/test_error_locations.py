"""Errors point at the place to fix: the file and line, or the option, the
user wrote. Each expected line number is found in the text the test writes."""

from __future__ import annotations

import errno
import os
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

import build as cli
from site_builder import search
from site_builder.errors import NOTHING_WRITTEN, SourceError
from site_builder.papers import parse_paper
from site_builder.preview_http import bind

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def line_of(text: str, line: str) -> int:
    """The 1-based number of the first line of ``text`` that is exactly ``line``."""
    return text.split("\n").index(line) + 1


PAPER_ERRORS = {
    # name: (paper file text, the line the error must name, its message)
    "empty": (  # was "does not start with '---' front matter", of a file with nothing in it
        "", "", "paper file is empty (write '---', YAML lines such as 'title: ...', then '---' in it, or delete it)",
    ),
    "blank lines only": ("\n  \n", "", "paper file is empty"),
    "no opening ---": (
        "title: A Paper Without Front Matter\ndates: [2025-03-18]\n\nAn abstract.\n",
        "title: A Paper Without Front Matter", "paper file does not start with '---' front matter",
    ),
    "front matter not closed": (  # named at its opening '---', the one without a match
        "---\ntitle: A Paper Never Closed\ndates: [2025-03-18]\n\nAn abstract.\n",
        "---", "front matter is not closed",
    ),
    "topics not text": (
        "---\ntitle: A Paper\ndates: [2025-03-18]\nslug: a-paper\ntopics:\n  - agents\n  - {nested: map}\n---\n\nAn abstract.\n",
        "topics:", "topics must be a list of text values",
    ),
    "links not text": (
        "---\ntitle: A Paper\ndates: [2025-03-18]\nlinks:\n  - [https://x.org/a]\n---\n\nAn abstract.\n",
        "links:", "links must be a list of text values",
    ),
    "empty title": (
        "---\ndates: [2025-03-18]\ntopics: [agents]\ntitle: '   '\n---\n\nAn abstract.\n",
        "title: '   '", "paper has no title",
    ),
    "title misspelt": (  # named at the misspelt key, with the key it may mean
        "---\ndates: [2025-03-18]\nsubtitle: More\ntime: 20 min\nTitel: A Paper\n---\n\nAn abstract.\n",
        "Titel: A Paper", "paper has no title: did you mean 'title' for 'Titel'? (write title: where it says Titel:)",
    ),
    "no title key but my_title": (  # a key of one's own, as README suggests: not taken for a misspelling
        "---\nmy_title: Mine\nsubtitle: More\n---\n\nAn abstract.\n",
        "---", "paper has no title (add 'title: ...')",
    ),
    "no title key": (  # no title line to name: the front matter's first
        "---\ndates: [2025-03-18]\ntopics: [agents]\n---\n\nAn abstract.\n",
        "---", "paper has no title",
    ),
}


@pytest.mark.parametrize("name", list(PAPER_ERRORS))
def test_a_paper_file_error_names_the_file_and_line(tmp_path, name):
    text, bad_line, message = PAPER_ERRORS[name]
    path = tmp_path / "content" / "papers" / "a-paper.md"
    for saved in (text, text.replace("\n", "\r\n")):  # Windows line ends count the same lines
        with pytest.raises(SourceError) as info:
            parse_paper(saved, path)
        assert str(info.value).startswith(f"{path}:{line_of(text, bad_line)}: {message}")


def failed_build_lines(tmp_path, monkeypatch, capsys, site_yaml: str, templates: dict[str, str] = {}) -> list[str]:
    """What a build of one digest paper says, with ``site_yaml`` and ``templates``
    in ../mytpl; it must fail and leave no site."""
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    (content / "digests" / "2025-03-18.txt").write_text("Mar 18\n\nA Paper\n\nAn abstract.\n", encoding="utf-8")
    (content / "site.yaml").write_text(site_yaml, encoding="utf-8")
    for name, text in templates.items():
        (tmp_path / "mytpl").mkdir(exist_ok=True)
        (tmp_path / "mytpl" / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["build", "-q", "--no-cache"]) == 1
    assert not (tmp_path / "_site").exists()
    return capsys.readouterr().err.splitlines()


def test_a_setting_of_the_wrong_type_names_site_yaml_and_its_line_without_a_traceback(tmp_path, monkeypatch, capsys):
    site_yaml = "# Paper Atlas settings\ntitle: My Atlas\n\nhome_recent_dates: three\nbase_url: /\n"
    line = line_of(site_yaml, "home_recent_dates: three")
    assert failed_build_lines(tmp_path, monkeypatch, capsys, site_yaml) == [
        f"error: {Path('content', 'site.yaml')}:{line}: home_recent_dates must be a whole number, not 'three'",
        NOTHING_WRITTEN,
    ]


def test_a_mistake_in_a_template_not_named_html_is_one_line_with_its_file_and_line(tmp_path, monkeypatch, capsys):
    robots = "User-agent: *\nAllow: {{ 1 / 0 }}\n"
    assert failed_build_lines(tmp_path, monkeypatch, capsys, "templates_dir: ../mytpl\n", {"robots.txt": robots}) == [
        f"error: {tmp_path / 'mytpl' / 'robots.txt'}:{line_of(robots, 'Allow: {{ 1 / 0 }}')}: "
        "template error while rendering /robots.txt: ZeroDivisionError: division by zero",
        NOTHING_WRITTEN,
    ]


def test_a_misspelt_block_is_an_error_with_its_file_and_line(tmp_path, monkeypatch, capsys):
    page = '{% extends "base.html" %}\n{% block title %}Lost{% endblock %}\n{% block mian %}Lost{% endblock %}\n'
    assert failed_build_lines(tmp_path, monkeypatch, capsys, "templates_dir: ../mytpl\n", {"404.html": page}) == [
        f"error: {tmp_path / 'mytpl' / '404.html'}:{line_of(page, '{% block mian %}Lost{% endblock %}')}: "
        "block 'mian' is not in base.html, so it is never shown (did you mean 'main'?)",
        NOTHING_WRITTEN,
    ]


def test_a_template_that_extends_the_built_in_one_it_replaces_by_its_name_is_told_its_prefixed_name(
    tmp_path, monkeypatch, capsys,
):
    """As a MkDocs theme's override extends its base: here the name finds
    the override itself, and Jinja said only "RecursionError: maximum
    recursion depth exceeded in comparison". The built-in one is "!paper.html"."""
    page = '{% extends "paper.html" %}\n{% block main %}{{ super() }}<p>Cite</p>{% endblock %}\n'
    assert failed_build_lines(tmp_path, monkeypatch, capsys, "templates_dir: ../mytpl\n", {"paper.html": page}) == [
        f"error: {tmp_path / 'mytpl' / 'paper.html'}:1: paper.html extends itself: it replaces the built-in "
        "paper.html, so that name finds it, not the built-in one (write {% extends \"!paper.html\" %}, which "
        "names the built-in paper.html alone)",
        NOTHING_WRITTEN,
    ]
    # Extending the built-in one by its prefixed name is no loop: the build succeeds.
    (tmp_path / "mytpl" / "paper.html").write_text(page.replace('"paper.html"', '"!paper.html"'), encoding="utf-8")
    assert cli.main(["build", "-q", "--no-cache"]) == 0
    assert "<p>Cite</p>" in (tmp_path / "_site" / "papers" / "a-paper" / "index.html").read_text(encoding="utf-8")
    # Two of one's own that extend each other: told at the first.
    one, other = '{% extends "other.html" %}\n', '\n{% extends "404.html" %}\n'
    (tmp_path / "loop").mkdir()
    assert failed_build_lines(
        tmp_path / "loop", monkeypatch, capsys, "templates_dir: ../mytpl\n", {"404.html": one, "other.html": other},
    ) == [
        f"error: {tmp_path / 'loop' / 'mytpl' / '404.html'}:1: 404.html extends itself, through other.html "
        "(make the last of them extend base.html)",
        NOTHING_WRITTEN,
    ]


def test_a_missing_node_is_named_with_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a directory without node
    with pytest.raises(SourceError) as info:
        search.node_executable()
    assert str(info.value).startswith("Node.js is needed to build the search index but 'node' is not on PATH (install")


def test_a_missing_lunr_is_named_by_its_path(tmp_path, monkeypatch):
    missing = tmp_path / "node_modules" / "lunr" / "lunr.js"
    monkeypatch.setattr(search, "LUNR_JS", missing)
    with pytest.raises(SourceError) as info:
        search.node_executable()
    assert str(info.value).startswith(f"lunr.js is not installed ({missing} is missing) (run 'make setup'")


# 192.0.2.1 is reserved for documentation (RFC 5737): no machine has it, so
# binding to it fails, and not because a port is taken (test_serve covers that).
UNASSIGNED_HOST = "192.0.2.1"


def test_an_address_the_server_cannot_listen_on_names_the_host_option(tmp_path, capsys):
    with pytest.raises(SourceError) as info:
        bind(UNASSIGNED_HOST, 8000, BaseHTTPRequestHandler)
    reason = os.strerror(errno.EADDRNOTAVAIL)
    assert str(info.value) == f"--host: cannot listen on {UNASSIGNED_HOST}:8000: {reason}"

    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    argv = ["serve", "--content", str(content), "--out", str(tmp_path / "_site"), "--host", UNASSIGNED_HOST]
    assert cli.main(argv) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: --host: cannot listen on {UNASSIGNED_HOST}:8000: {reason}", NOTHING_WRITTEN,
    ]
    assert not (tmp_path / "_site").exists()


def test_a_prefixed_name_that_no_built_in_template_has_is_an_error_at_its_line_naming_them(tmp_path, monkeypatch, capsys):
    page = '{% extends "!papr.html" %}\n{% block side_extra %}\n{% include "!q.j2" %}\n{% endblock %}\n'
    every = ", ".join(sorted(str(path.relative_to(TEMPLATES).as_posix()) for path in TEMPLATES.rglob("*") if path.is_file()))
    misspelt, built_in = failed_build_lines(
        tmp_path, monkeypatch, capsys, "templates_dir: ../mytpl\n", {"paper.html": page},
    )[:-1]
    # A built-in name misspelt: the nearest named, as one without the '!' is.
    assert misspelt == (
        f"error: {tmp_path / 'mytpl' / 'paper.html'}:1: template '!papr.html' not found: '!' names a "
        f"built-in template, and templates/ has no papr.html (did you mean '!paper.html'? the built-in ones: {every})"
    )
    assert built_in == (
        f"error: {tmp_path / 'mytpl' / 'paper.html'}:3: template '!q.j2' not found: '!' names a "
        f"built-in template, and templates/ has no q.j2 (the built-in ones: {every})"
    )
    assert "partials/paper_item.html" in built_in


def test_a_template_name_misspelt_in_extends_or_include_names_the_nearest_there_is(tmp_path, monkeypatch, capsys):
    page = '{% extends "bse.html" %}\n{% block main %}{% include "partials/paper_itme.html" %}{% endblock %}\n'
    assert failed_build_lines(tmp_path, monkeypatch, capsys, "templates_dir: ../mytpl\n", {"paper.html": page}) == [
        f"error: {tmp_path / 'mytpl' / 'paper.html'}:1: template 'bse.html' not found (did you mean 'base.html'?)",
        f"error: {tmp_path / 'mytpl' / 'paper.html'}:2: template 'partials/paper_itme.html' not found "
        "(did you mean 'partials/paper_item.html'?)",
        NOTHING_WRITTEN,
    ]


def test_a_template_name_misspelt_where_no_page_renders_it_yet_is_an_error_at_its_line(tmp_path, monkeypatch, capsys):
    """A partial for the starred papers, none yet: the build passed, and the
    first star, months later, stopped it. Included "ignore missing" or as
    one of a list, a name need not be found."""
    page = (
        '{% extends "!paper.html" %}\n{% block side_extra %}\n'
        '{% include ["partials/cite.html", "partials/counted.html"] ignore missing %}\n'
        '{% include "partials/local.html" ignore missing %}\n'
        '{% if paper.extra.get("starred") %}{% include "partials/star.html" %}{% endif %}\n'
        '{% if paper.extra.get("starred") %}{% from "macros.html" import star %}{% endif %}\n'
        '{% endblock %}\n'
    )
    assert failed_build_lines(tmp_path, monkeypatch, capsys, "templates_dir: ../mytpl\n", {"paper.html": page}) == [
        f"error: {tmp_path / 'mytpl' / 'paper.html'}:5: template 'partials/star.html' not found "
        "(did you mean 'partials/pager.html'?)",
        f"error: {tmp_path / 'mytpl' / 'paper.html'}:6: template 'macros.html' not found (did you mean 'papers.html'?)",
        NOTHING_WRITTEN,
    ]
