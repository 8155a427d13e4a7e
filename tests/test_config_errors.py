"""Mistakes in configuration, paper files and templates, as a user meets them at
the command line: one line naming file and line, exit status 1, and the previous
site and every paper file left byte for byte as they were.

Digest errors are in test_digest_robustness.py and test_cli.py; the checks of
each topics.yaml rule are in test_topics.py. Here each kind of input gets at
least one end-to-end case, and every message the code improved gets its own.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from typing import Callable

import pytest
from files import snapshot

from site_builder.config import SiteConfig, check_base_url, load_config
from site_builder.errors import SourceError
from site_builder.yamlsource import parse_yaml_mapping

ROOT = Path(__file__).resolve().parent.parent
# build.py is a script, not a package module: load it to call main() in-process.
_spec = importlib.util.spec_from_file_location("atlas_cli", ROOT / "build.py")
cli = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cli)
DIGEST = "new\n\nSubscribe\n\nMar 18\n\nA Paper on Speech\n\nWe study speech synthesis.\n\nAnother Paper\n\nAbout things.\n"
PAPER = "content/papers/a-paper-on-speech.md"


@pytest.fixture()
def project(tmp_path, monkeypatch) -> Path:
    """A built project whose paper file holds the user's notes; cwd is the project."""
    content = tmp_path / "content"
    (content / "digests").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "site.yaml", content / "site.yaml")
    shutil.copy(ROOT / "content" / "topics.yaml", content / "topics.yaml")
    (content / "digests" / "2025-03-18.txt").write_text(DIGEST)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["-q"]) == 0
    paper = tmp_path / PAPER
    paper.write_text(paper.read_text() + "\n## Notes\n\nMy own notes.\n")
    return tmp_path



def append(path: str, text: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        with open(project / path, "a", encoding="utf-8") as handle:
            handle.write(text)
    return change


def replace_in(path: str, old: str, new: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        file = project / path
        text = file.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return change


def write(path: str, data: str | bytes) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        file = project / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data.encode() if isinstance(data, str) else data)
    return change


def user_template(name: str, source: str | bytes) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        append("content/site.yaml", "templates_dir: ../my-templates\n")(project)
        write(f"my-templates/{name}", source)(project)
    return change


def aliases_of_aliases(lines: int) -> str:
    """YAML lines "l0: &l0 [x, …]", then "l1: &l1 [*l0, …]", nine items each:
    line n holds 9**(n+1) values written out ("billion laughs")."""
    return "".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}' if n else 'x'] * 9)}]\n" for n in range(lines))


SITE_LINES = len((ROOT / "content" / "site.yaml").read_text().splitlines())
TOPICS_LINES = len((ROOT / "content" / "topics.yaml").read_text().splitlines())
SPEECH_NAME_LINE = (ROOT / "content" / "topics.yaml").read_text().splitlines().index("    name: Speech & Audio") + 1
# The shipped paper file: line 2 title, 3 slug, 4 dates, 5 topics, 6 links.
CASES = {
    "site-yaml-tab-indent": (
        append("content/site.yaml", "title: Atlas\n\tlanguage: en\n"),
        f"content/site.yaml:{SITE_LINES + 2}: invalid YAML: a tab where YAML needs a space: use spaces",
    ),
    # PyYAML looks for the ':' up to the next key: it named the line after (past the end of the file,
    # or the line of the next key after comments), or the next line when it holds a ': '.
    "site-yaml-key-without-a-colon-last": (
        append("content/site.yaml", "home_recent_dates 5\n"),
        f"content/site.yaml:{SITE_LINES + 1}: invalid YAML: this line has no ':' after its key: write 'key: value'",
    ),
    "site-yaml-key-without-a-colon-before-comments": (
        replace_in("content/site.yaml", "digest_year: 2025", "digest_year 2025"),
        "content/site.yaml:8: invalid YAML: this line has no ':' after its key: write 'key: value'",
    ),
    "site-yaml-key-without-a-colon-before-a-key": (
        replace_in("content/site.yaml", "title: Paper Atlas", "title My Atlas"),
        "content/site.yaml:2: invalid YAML: this line has no ':' after its key: write 'key: value'",
    ),
    "site-yaml-first-key-without-a-colon-before-a-comment": (
        write("content/site.yaml", "# My settings\ntitle My Atlas\n\n# Where it is served\nbase_url: /\n"),
        "content/site.yaml:2: invalid YAML: this line has no ':' after its key: write 'key: value'",
    ),
    # A value begun on the line below its key, wrapped, with a ': ' in it: no key lacks its ':' there.
    "front-matter-title-wrapped-below-its-key-with-a-colon": (
        replace_in(PAPER, "links: []\n", "summary:\n  A Book of Grammar\n  Revisited: Translation\nlinks: []\n"),
        f"{PAPER}:8: invalid YAML: this ': ' cannot be read here: quote the value it is in (which may begin on a line "
        "above), or indent this line as the keys above it",
    ),
    "front-matter-key-without-a-colon": (
        replace_in(PAPER, "---\n\n", "starred true\n---\n\n"),
        f"{PAPER}:7: invalid YAML: this line has no ':' after its key: write 'key: value'",
    ),
    "front-matter-key-without-a-colon-before-a-key": (
        replace_in(PAPER, "links: []\n", "starred true\nlinks: []\n"),
        f"{PAPER}:6: invalid YAML: this line has no ':' after its key: write 'key: value'",
    ),
    "site-yaml-key-twice": (
        append("content/site.yaml", "title: Another Title\n"),
        f"content/site.yaml:{SITE_LINES + 1}: 'title' is set twice (first on line 2) (keep one of the two lines)",
    ),
    "site-yaml-impossible-date": (
        append("content/site.yaml", "domain: 2025-02-30\n"),
        f"content/site.yaml:{SITE_LINES + 1}: '2025-02-30' is not a valid date: day is out of range for month "
        "(there is no such day: check the month and the day; a value of your own that is no date, quote it to keep "
        "it as text)",
    ),
    "site-yaml-templates-dir-missing": (
        append("content/site.yaml", "templates_dir: ../no-such-dir\n"),
        f"content/site.yaml:{SITE_LINES + 1}: templates_dir '../no-such-dir' is not a directory "
        "(the path is relative to site.yaml)",
    ),
    "site-yaml-image-not-a-public-file": (
        lambda project: (
            write("content/public/img/social.png", b"\x89PNG")(project),
            append("content/site.yaml", "image: img/socal.png\n")(project),
        ),
        f"content/site.yaml:{SITE_LINES + 1}: image 'img/socal.png' is not a file content/public/ publishes "
        "(did you mean 'img/social.png'? name a file of content/public/, such as image: social.png, "
        "or a picture's https:// address)",
    ),
    "site-yaml-image-not-https": (
        append("content/site.yaml", "image: http://example.org/social.png\n"),
        f"content/site.yaml:{SITE_LINES + 1}: image 'http://example.org/social.png' is not an https address "
        "of a picture",
    ),
    "site-yaml-base-url-not-web": (
        replace_in("content/site.yaml", "base_url: /", "base_url: ftp://example.org/atlas/"),
        "content/site.yaml:6: base_url 'ftp://example.org/atlas/' is not a path or site URL",
    ),
    "site-yaml-base-url-with-a-space": (
        replace_in("content/site.yaml", "base_url: /", "base_url: /my atlas/"),
        "content/site.yaml:6: base_url '/my atlas/' has a character a link cannot hold as it is "
        "(use letters, digits, '-', '_' and '.' in the path, e.g. '/my-atlas/')",
    ),
    "site-yaml-base-url-with-a-query": (
        replace_in("content/site.yaml", "base_url: /", "base_url: /atlas/?ref=home"),
        "content/site.yaml:6: base_url '/atlas/?ref=home' has a query or fragment (after '?' or '#') "
        "(give the site's address alone, e.g. '/atlas/')",
    ),
    "site-yaml-base-url-naming-a-page": (
        replace_in("content/site.yaml", "base_url: /", "base_url: /atlas/index.html"),
        "content/site.yaml:6: base_url '/atlas/index.html' names a page, not a directory",
    ),
    "site-yaml-base-url-with-a-user": (
        replace_in("content/site.yaml", "base_url: /", "base_url: https://me@example.org/atlas/"),
        "content/site.yaml:6: base_url 'https://me@example.org/atlas/' does not name a host",
    ),
    "public-file-replacing-a-page": (
        write("content/public/index.html", "<p>my own home page</p>"),
        "content/public/index.html: would replace the site's own /index.html "
        "(the site makes it from the template home.html: to change it, write a home.html in your templates_dir "
        'that starts {{% extends "!home.html" %}} and fills {{% block main %}}; docs/templates.md lists the blocks)',
    ),
    "public-file-where-the-site-has-a-directory": (
        write("content/public/topics", "not a directory"),
        "content/public/topics: would replace the site's own /topics/",
    ),
    "public-file-in-the-sites-static-directory": (
        write("content/public/static/extra.css", "body {}"),
        "content/public/static/extra.css: would replace the site's own /static/",
    ),
    "page-without-a-title": (
        write("content/pages/about.md", "---\ndescription: Who keeps it.\n---\n\nMe.\n"),
        "content/pages/about.md:1: page has no title (add 'title: ...' to the front matter",
    ),
    "page-broken-yaml": (
        write("content/pages/about.md", "---\ntitle: About\nnav: [true\n---\n"),
        "content/pages/about.md:3: invalid YAML: a '[' list begun on this line is not closed",
    ),
    "page-name-not-an-address": (
        write("content/pages/About Me.md", "---\ntitle: About\n---\n"),
        "content/pages/About Me.md: page file name 'About Me.md' cannot be a page address "
        "(use lower-case letters, digits and '-': rename it to about-me.md)",
    ),
    "page-named-as-the-sites-own": (
        write("content/pages/topics.md", "---\ntitle: My topics\n---\n"),
        "content/pages/topics.md: /topics/ is an address of the site's own (rename the file, e.g. to my-topics.md",
    ),
    "page-where-content-public-has-a-file": (
        lambda project: (write("content/public/about/index.html", "<p>mine</p>")(project),
                         write("content/pages/about.md", "---\ntitle: About\n---\n")(project)),
        "content/pages/about.md: /about/ is also the address of content/public/about/index.html "
        "(rename this file, or move content/public/about/index.html elsewhere in content/public/)",
    ),
    "site-yaml-title-with-a-control-character": (
        replace_in("content/site.yaml", "title: Paper Atlas", 'title: "Paper Atlas\\a"'),
        "content/site.yaml:2: title holds a control character or another no page or feed can hold ('\\x07') "
        "(delete it: pages show nothing for it and feeds cannot hold it)",
    ),
    "site-yaml-domain-with-scheme": (
        append("content/site.yaml", "domain: https://papers.example.org/\n"),
        f"content/site.yaml:{SITE_LINES + 1}: domain 'https://papers.example.org/' is not a host name",
    ),
    "site-yaml-edit-url-without-scheme": (
        append("content/site.yaml", "edit_url: github.com/me/atlas/edit/main/content/\n"),
        f"content/site.yaml:{SITE_LINES + 1}: edit_url 'github.com/me/atlas/edit/main/content/' is not the web "
        "address of a folder (give the address of content/ in your repository's editor, "
        "e.g. https://github.com/USER/REPO/edit/main/content/)",
    ),
    "site-yaml-number-in-quotes": (
        replace_in("content/site.yaml", "digest_year: 2025", 'digest_year: "2025"'),
        "content/site.yaml:8: digest_year must be a whole number, not '2025' (remove the quotes: digest_year: 2025)",
    ),
    "site-yaml-number-in-e-notation": (  # YAML 1.1 reads 1e3 as text (it wants 1.0e+3)
        append("content/site.yaml", "home_recent_dates: 1e3\n"),
        f"content/site.yaml:{SITE_LINES + 1}: home_recent_dates must be a whole number, not '1e3' "
        "(write it in digits: home_recent_dates: 1000)",
    ),
    "site-yaml-number-with-a-point": (
        append("content/site.yaml", "home_recent_dates: 30.0\n"),
        f"content/site.yaml:{SITE_LINES + 1}: home_recent_dates must be a whole number, not 30.0 "
        "(write it in digits: home_recent_dates: 30)",
    ),
    "site-yaml-year-out-of-range": (
        replace_in("content/site.yaml", "digest_year: 2025", "digest_year: 99999"),
        "content/site.yaml:8: digest_year must be from 1900 to 9999, not 99999",
    ),
    "site-yaml-blank-title": (
        replace_in("content/site.yaml", "title: Paper Atlas", 'title: "  "'),
        "content/site.yaml:2: title must not be blank "
        "(write the site's name, e.g. title: Paper Atlas, or remove the line for that default)",
    ),
    "site-yaml-language-not-a-tag": (
        append("content/site.yaml", "language: English\n"),
        f"content/site.yaml:{SITE_LINES + 1}: language 'English' is not a language tag "
        "(write a tag such as en, en-GB or de: it becomes the pages' lang attribute)",
    ),
    "site-yaml-language-read-as-false": (  # YAML's "no" is false: Norwegian needs quotes
        append("content/site.yaml", "language: no\n"),
        f"content/site.yaml:{SITE_LINES + 1}: language must be text, not False (put it in quotes: language: '…')",
    ),
    "site-yaml-control-character": (
        append("content/site.yaml", "title: Paper\x07Atlas\n"),
        f"content/site.yaml:{SITE_LINES + 1}: invalid YAML: a control character (U+0007) is not allowed "
        "(delete it: most editors show it as nothing, or as a box)",
    ),
    "front-matter-control-character": (
        replace_in(PAPER, "title: A Paper on Speech", "title: A Paper\x1b on Speech"),
        f"{PAPER}:2: invalid YAML: a control character (U+001B) is not allowed",
    ),
    "site-yaml-negative-count": (
        append("content/site.yaml", "home_recent_dates: -1\n"),
        f"content/site.yaml:{SITE_LINES + 1}: home_recent_dates must be from 0 to 10000, not -1",
    ),
    "site-yaml-latin-1": (
        write("content/site.yaml", "title: Caf\xe9 Atlas\n".encode("latin-1")),
        "content/site.yaml:1: file is not valid UTF-8 (byte 0xe9) (save the file as UTF-8; from Windows' ANSI or Latin-1: iconv",
    ),
    "topics-yaml-latin-1": (
        write("content/topics.yaml", "topics:\n  - slug: cafe\n    name: Caf\xe9\n".encode("latin-1")),
        "content/topics.yaml:3: file is not valid UTF-8 (byte 0xe9)",
    ),
    "paper-latin-1": (
        write(PAPER, "---\ntitle: A Paper on Speech\n---\n\nCaf\xe9.\n".encode("latin-1")),
        f"{PAPER}:5: file is not valid UTF-8 (byte 0xe9)",
    ),
    # Notepad's UTF-32 and UTF-16 marks begin alike: the hint names the one saved.
    "paper-utf-32": (
        write(PAPER, "\ufeff---\ntitle: A Paper on Speech\n---\n".encode("utf-32-le")),
        f"{PAPER}:1: file is not valid UTF-8 (byte 0xff) (save the file as UTF-8; from UTF-32: iconv -f utf-32 -t utf-8)",
    ),
    # Without a mark, its "é" was taken for Latin-1's.
    "paper-utf-32-unmarked": (
        write(PAPER, "---\ntitle: Café\n---\n".encode("utf-32-le")),
        f"{PAPER}:2: file is not valid UTF-8 (byte 0xe9) (save the file as UTF-8; "
        "from UTF-32 without a byte order mark: iconv -f utf-32le -t utf-8)",
    ),
    "paper-utf-16-unmarked": (
        write(PAPER, "---\ntitle: Café\n---\n".encode("utf-16-be")),
        f"{PAPER}:2: file is not valid UTF-8 (byte 0xe9) (save the file as UTF-8; "
        "from UTF-16 without a byte order mark: iconv -f utf-16be -t utf-8)",
    ),
    "topics-yaml-unclosed-bracket": (
        write("content/topics.yaml", "topics:\n  - slug: speech\n    name: [Speech\n"),
        "content/topics.yaml:3: invalid YAML: a '[' list begun on this line is not closed "
        "(expected ',' or ']', but got '<stream end>')",
    ),
    # PyYAML's mark is the next topic's '-'; after a trailing comma it names no bracket.
    "topics-yaml-mapping-unclosed-before-the-next-topic": (
        write("content/topics.yaml", "topics:\n  - slug: speech\n    name: Speech\n    keywords: {\n"
              "      speech: 3, voice: 2\n\n  - slug: vision\n    name: Vision\n"),
        "content/topics.yaml:4: invalid YAML: a '{{' mapping begun on this line is not closed before line 7 "
        "(expected ',' or '}}', but got ':')",
    ),
    "topics-yaml-mapping-unclosed-after-a-trailing-comma": (
        write("content/topics.yaml", "topics:\n  - slug: speech\n    name: Speech\n    keywords: {\n"
              "      \"a {b\": 1, 'it''s }': 1, # }\n      speech: 3, voice: 2,\n\n  - slug: vision\n"),
        "content/topics.yaml:4: invalid YAML: a '{{' mapping begun on this line is not closed before line 8 "
        "(expected the node content, but found '-')",
    ),
    "topics-yaml-control-character": (
        write("content/topics.yaml", "topics:\n  - slug: speech\n    name: Spe\x07ech\n"),
        "content/topics.yaml:3: invalid YAML: a control character (U+0007) is not allowed",
    ),
    "site-yaml-control-character-old-mac-line-ends": (  # lines ended by CR alone, as PyYAML counts them
        write("content/site.yaml", "title: Paper Atlas\rbase_url: /\rdescription: x\x07y\r"),
        "content/site.yaml:3: invalid YAML: a control character (U+0007) is not allowed",
    ),
    "topics-yaml-key-indented-as-the-list": (  # PyYAML: "expected <block end>, but found '?'"
        write("content/topics.yaml", "topics:\n  - slug: speech\n    name: Speech\n  keywords: {speech: 3}\n"),
        "content/topics.yaml:4: invalid YAML: this line is indented as the list's items ('- ') above it, but is no "
        "item: indent it as the keys above it, or begin it with '- '",
    ),
    "topics-yaml-invalid-rule": (
        write("content/topics.yaml", "topics:\n  - slug: speech\n    name: Speech\n    keywords: {speech: lots}\n"),
        "content/topics.yaml:4: keyword 'speech' needs a number as its weight, not 'lots'",
    ),
    "topics-yaml-same-name-twice": (
        append("content/topics.yaml", "  - slug: speech-again\n    name: speech & audio\n    keywords: {voice: 3}\n"),
        f"content/topics.yaml:{TOPICS_LINES + 2}: topic 'speech-again' has the same name as topic 'speech' on line "
        f"{SPEECH_NAME_LINE}: 'Speech & Audio' and 'speech & audio' differ only in case or spaces (give each topic its own name",
    ),
    "topics-yaml-name-null": (
        replace_in("content/topics.yaml", "name: Speech & Audio", "name: null"),
        f"content/topics.yaml:{SPEECH_NAME_LINE}: topic 'speech' has no name: YAML reads null as no value "
        "(quote it if you mean the word: name: 'null')",
    ),
    "topics-yaml-emptied": (
        write("content/topics.yaml", ""),
        "content/topics.yaml: defines no topics: every paper would lose its topics "
        "(add topics under 'topics:', or delete the file for a site without topics)",
    ),
    "topics-yaml-nested-too-deeply": (
        write("content/topics.yaml", "topics: " + "[" * 5000 + "]" * 5000 + "\n"),
        "content/topics.yaml: invalid YAML: nested too deeply",
    ),
    # An alias in its own anchor's value: ingest's rewrite of the file, once a
    # new digest dated the paper, ended in a RecursionError.
    "front-matter-alias-of-itself": (
        replace_in(PAPER, "links: []\n", "links: []\nloop: &a [*a]\n"),
        f"{PAPER}:7: invalid YAML: the value anchored here ('&a') holds an alias of itself ('*a'), so it would never end",
    ),
    "page-alias-of-itself": (
        write("content/pages/about.md", "---\ntitle: About\nsee:\n  &loop {also: *loop}\n---\n"),
        "content/pages/about.md:4: invalid YAML: the value anchored here ('&loop') holds an alias of itself",
    ),
    "site-yaml-alias-of-itself": (
        append("content/site.yaml", "loop: &a\n  - *a\n"),
        f"content/site.yaml:{SITE_LINES + 1}: invalid YAML: the value anchored here ('&a') holds an alias of itself",
    ),
    "topics-yaml-alias-of-itself": (
        replace_in("content/topics.yaml", "\ntopics:", "\nloop: &a [x, [y, *a]]\ntopics:"),
        "content/topics.yaml:53: invalid YAML: the value anchored here ('&a') holds an alias of itself",
    ),
    # "Billion laughs": each line nine aliases of the line above. Seven lines
    # made a build take seconds, nine took minutes and all memory.
    "front-matter-aliases-multiplying": (
        replace_in(PAPER, "links: []\n", "links: []\n" + aliases_of_aliases(7)),
        f"{PAPER}:12: invalid YAML: with its aliases ('*name') written out, this value holds 597,871 values: "
        "aliases of values that hold aliases multiply them (aliases may add up to 100,000 values",
    ),
    "front-matter-broken-yaml": (
        replace_in(PAPER, "title: A Paper on Speech", "title: [A Paper on Speech"),
        # The next key, no deeper than the bracket's line, says it was never closed.
        f"{PAPER}:2: invalid YAML: a '[' list begun on this line is not closed before line 3 "
        "(expected ',' or ']', but got ':')",
    ),
    "front-matter-key-indented": (
        replace_in(PAPER, "---\n\n", "  starred: true\n---\n\n"),
        f"{PAPER}:7: invalid YAML: this line is indented unlike the lines above it (check indentation, ",
    ),
    # YAML reads a list item indented more than the one above it as more of
    # that item's text: one tag 'read-later - long-context', without a word.
    "front-matter-list-item-indented-more-than-the-one-above": (
        replace_in(PAPER, "---\n\n", "tags:\n  - read-later\n   - long-context\n---\n\n"),
        f"{PAPER}:9: invalid YAML: '- long-context' is read as more of the value above it ('read-later - "
        "long-context'), not as a list item (indent it as the list's other items are; if it is text of that "
        "value, quote the value)",
    ),
    "topics-yaml-list-item-indented-more-than-the-one-above": (
        write("content/topics.yaml", "topics:\n  - slug: speech\n    name: Speech\n    keywords: {speech: 3}\n"
              "    not_papers:\n      - a-paper-on-speech\n       - another-paper\n"),
        "content/topics.yaml:7: invalid YAML: '- another-paper' is read as more of the value above it "
        "('a-paper-on-speech - another-paper'), not as a list item",
    ),
    "front-matter-value-with-colon-unquoted": (
        replace_in(PAPER, "---\n\n", "note: see: this\n---\n\n"),
        f"{PAPER}:7: invalid YAML: a value with ': ' in it must be in quotes",
    ),
    "front-matter-apostrophe-in-single-quotes": (
        replace_in(PAPER, "---\n\n", "note: 'Don't stop'\n---\n\n"),
        f"{PAPER}:7: invalid YAML: text goes on after a quoted value or a list has ended; an apostrophe ends a "
        "value in '…', so write \"Don't …\" in double quotes",
    ),
    "front-matter-text-after-a-list": (
        replace_in(PAPER, "---\n\n", "note: [Re] A Paper\n---\n\n"),
        f"{PAPER}:7: invalid YAML: a value that begins with '[' is a list in YAML, and text goes on after it ends: "
        "put the whole value in double quotes",
    ),
    "front-matter-double-quote-in-double-quotes": (
        replace_in(PAPER, "---\n\n", 'note: "A "quoted" word"\n---\n\n'),
        f'{PAPER}:7: invalid YAML: text goes on after a value in "…" has ended: a double quote inside it ends it, '
        'so write it as \\"',
    ),
    "front-matter-value-beginning-with-at": (
        replace_in(PAPER, "---\n\n", "note: @home\n---\n\n"),
        f"{PAPER}:7: invalid YAML: a value or key cannot begin with '@', which YAML keeps for itself: put it in quotes",
    ),
    "front-matter-value-going-on-with-a-colon": (
        replace_in(PAPER, "---\n\n", "note: a thought that wraps\n  and goes on: here\n---\n\n"),
        f"{PAPER}:8: invalid YAML: this ': ' cannot be read here: quote the value it is in (which may begin on a "
        "line above), or indent this line as the keys above it",
    ),
    "front-matter-list-item-not-under-its-key": (
        replace_in(PAPER, "---\n\n", "- read-later\n---\n\n"),
        f"{PAPER}:7: invalid YAML: a list item ('- ') where a 'key: value' line should be",
    ),
    "front-matter-impossible-date": (
        replace_in(PAPER, "---\n\n", "read_on: 2025-02-30\n---\n\n"),
        f"{PAPER}:7: '2025-02-30' is not a valid date: day is out of range for month",
    ),
    "front-matter-key-twice": (
        replace_in(PAPER, "---\n\n", "starred: true\nstarred: false\n---\n\n"),
        f"{PAPER}:8: 'starred' is set twice (first on line 7) (keep one of the two lines)",
    ),
    "front-matter-starred-not-true-or-false": (
        replace_in(PAPER, "---\n\n", "starred: 'no'\n---\n\n"),
        f"{PAPER}:7: starred must be true or false, not 'no' (write starred: true, or remove the line)",
    ),
    "front-matter-draft-not-true-or-false": (
        replace_in(PAPER, "---\n\n", "draft: 'yes'\n---\n\n"),
        f"{PAPER}:7: draft must be true or false, not 'yes' (write draft: true, or remove the line)",
    ),
    "front-matter-arxiv-read-as-a-number": (
        replace_in(PAPER, "---\n\n", "arxiv: 2503.10100\n---\n\n"),
        f"{PAPER}:7: arxiv: 2503.101 was read as a number, which drops an identifier's last zeros "
        "(2503.10100 is read as 2503.101) (write the identifier in quotes, as arXiv shows it: arxiv: '2503.10100')",
    ),
    "front-matter-arxiv-with-its-subject-class": (  # arXiv's addresses have none
        replace_in(PAPER, "---\n\n", "arxiv: 'math.AG/0601001v2'\n---\n\n"),
        f"{PAPER}:7: arxiv: 'math.AG/0601001v2' holds the subject class, which arXiv's addresses leave out "
        "(write arxiv: 'math/0601001v2')",
    ),
    "front-matter-arxiv-not-an-identifier": (
        replace_in(PAPER, "---\n\n", "arxiv: https://arxiv.org/abs/2503.10100\n---\n\n"),
        f"{PAPER}:7: arxiv must be an arXiv identifier, not 'https://arxiv.org/abs/2503.10100' (write the "
        "identifier alone, in quotes, as arXiv shows it: arxiv: '2503.12345', or 'hep-th/9901001' for a paper "
        "from before 2007)",
    ),
    "front-matter-surrogate-escape-in-title": (  # a traceback, in the search index's JSON
        replace_in(PAPER, "title: A Paper on Speech", 'title: "A Paper on \\ud800 Speech"'),
        f"{PAPER}:2: title holds a control character or another no page or feed can hold ('\\ud800')",
    ),
    "front-matter-control-escape-in-tags": (
        replace_in(PAPER, "---\n\n", 'tags: [later, "re\\aread"]\n---\n\n'),
        f"{PAPER}:7: tags holds a control character or another no page or feed can hold ('\\x07')",
    ),
    "front-matter-control-escape-under-a-key-yaml-reads-as-true": (  # a KeyError, in a first version
        replace_in(PAPER, "---\n\n", 'yes: "\\a"\n---\n\n'),
        f"{PAPER}:7: yes holds a control character or another no page or feed can hold ('\\x07')",
    ),
    "front-matter-control-escape-in-a-key": (
        replace_in(PAPER, "---\n\n", '"read\\a": true\n---\n\n'),
        f"{PAPER}:7: a key holds a control character or another no page or feed can hold ('\\x07')",
    ),
    "topics-yaml-surrogate-escape-in-name": (
        write("content/topics.yaml", 'topics:\n  - slug: speech\n    name: "Spe\\ud800ech"\n    keywords: {speech: 3}\n'),
        "content/topics.yaml:3: name holds a control character or another no page or feed can hold ('\\ud800')",
    ),
    "front-matter-unknown-topic": (
        write("content/papers/my-paper.md", "---\ntitle: Mine\ndates: [2025-03-18]\ntopics: [no-such-topic]\n---\n\nText.\n"),
        "content/papers/my-paper.md:4: unknown topic 'no-such-topic'",
    ),
    # A paper of a digest deleted is the user's, and ingest leaves its
    # topics: line as it wrote it: a slug renamed since is no topic. The
    # error said to use another slug or add the topic, not why the line was
    # not renamed with it, nor that deleting it has the rules file the paper.
    "front-matter-topic-renamed-after-the-papers-digest-was-deleted": (
        lambda project: (
            (project / "content" / "digests" / "2025-03-18.txt").unlink(),
            replace_in("content/topics.yaml", "- slug: speech\n", "- slug: audio\n")(project),
        ),
        f"{PAPER}:5: unknown topic 'speech' (a paper no digest lists keeps its topics: line as written, also when "
        "a topic's slug is renamed in content/topics.yaml: write one of the slugs there in this line, delete the "
        "line to have the rules there file the paper, or add the topic there)",
    ),
    # Renamed with its old slug kept under aliases:, the topic the line means is known.
    "front-matter-topic-renamed-with-its-old-slug-kept": (
        lambda project: (
            (project / "content" / "digests" / "2025-03-18.txt").unlink(),
            replace_in("content/topics.yaml", "- slug: speech\n", "- slug: audio\n    aliases: [speech]\n")(project),
        ),
        f"{PAPER}:5: unknown topic 'speech' (it is the old slug of 'audio', under that topic's aliases: in "
        "content/topics.yaml: write 'audio' in this line (a paper no digest lists keeps its topics: line as written))",
    ),
    "front-matter-topic-misspelt": (
        write("content/papers/my-paper.md", "---\ntitle: Mine\ndates: [2025-03-18]\ntopics: [speach]\n---\n\nText.\n"),
        "content/papers/my-paper.md:4: unknown topic 'speach' (did you mean 'speech'?)",
    ),
    "front-matter-topic-without-topics-yaml": (
        lambda project: (
            write("content/papers/my-paper.md", "---\ntitle: Mine\ndates: [2025-03-18]\ntopics: [speech]\n---\n\nText.\n")(project),
            (project / "content" / "topics.yaml").unlink(),
        ),
        "content/papers/my-paper.md:4: unknown topic 'speech' (content/topics.yaml has no topics (is it missing?): "
        "restore it, or delete this topics: line)",
    ),
    "front-matter-javascript-link": (
        write("content/papers/my-paper.md", "---\ntitle: Mine\nlinks: ['javascript:alert(1)']\n---\n\nText.\n"),
        "content/papers/my-paper.md:3: link 'javascript:alert(1)' is not a web address "
        "(links start with http:// or https://)",
    ),
    "paper-file-empty": (
        write("content/papers/my-paper.md", b""),
        "content/papers/my-paper.md:1: paper file is empty "
        "(write '---', YAML lines such as 'title: ...', then '---' in it, or delete it)",
    ),
    "paper-file-name-not-a-url": (
        write("content/papers/My Paper.md", "---\ntitle: Mine\n---\n\nText.\n"),
        "content/papers/My Paper.md: paper file name 'My Paper.md' cannot be a page address "
        "(use lower-case letters, digits, '-' and '_', e.g. my-paper.md)",
    ),
    "template-syntax-error": (
        user_template("paper.html", '{% extends "base.html" %}\n{% block main %}\n{% for x in %}\n{% endblock %}\n'),
        "{project}/my-templates/paper.html:3: template syntax error: Expected an expression, got 'end of statement block'",
    ),
    "template-undefined-variable": (
        user_template("paper.html", '{% extends "base.html" %}\n{% block main %}\n{{ paper.titel }}\n{% endblock %}\n'),
        "{project}/my-templates/paper.html:3: template error while rendering /papers/another-paper/: "
        "a paper has no 'titel' (did you mean 'title'?)",
    ),
    "template-misspelt-filter": (
        user_template("paper.html", '{% extends "!paper.html" %}\n{% block side_extra %}\n{{ paper.title | titel }}\n{% endblock %}\n'),
        "{project}/my-templates/paper.html:3: template error while rendering /papers/another-paper/: "
        "no filter named 'titel' (did you mean 'title'?)",
    ),
    "template-missing-include": (
        user_template("404.html", '{% extends "base.html" %}\n{% block main %}\n{% include "nav.html" %}\n{% endblock %}\n'),
        "{project}/my-templates/404.html:3: template 'nav.html' not found",
    ),
    "template-expression-fails": (
        user_template("404.html", '{% extends "base.html" %}\n{% block main %}\n{{ site.title + 1 }}\n{% endblock %}\n'),
        "{project}/my-templates/404.html:3: template error while rendering /404.html: "
        'TypeError: can only concatenate str (not "int") to str',
    ),
    "template-not-utf8": (
        user_template("404.html", b'{% extends "base.html" %}\n{% block main %}Caf\xe9{% endblock %}\n'),
        "{project}/my-templates/404.html:2: template '404.html' is not valid UTF-8: invalid continuation byte",
    ),
    "template-not-utf8-included-by-a-computed-name": (
        lambda project: (
            user_template("404.html", '{% extends "base.html" %}\n{% block main %}\n'
                          '{% set part = "parts/" + "note.html" %}{% include part %}\n{% endblock %}\n')(project),
            write("my-templates/parts/note.html", b"<p>A note</p>\n<p>Caf\xe9</p>\n")(project),
        ),
        "{project}/my-templates/parts/note.html:2: template 'parts/note.html' is not valid UTF-8: invalid continuation byte",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_mistake_is_one_line_with_file_and_line_and_loses_nothing(case, project, capsys):
    change, expected = CASES[case]
    site_before = snapshot(project / "_site")
    change(project)
    papers_with_mistake = snapshot(project / "content" / "papers")
    capsys.readouterr()

    assert cli.main(["-q"]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, errors
    assert errors[0].startswith("error: " + expected.format(project=project)), errors[0]
    assert snapshot(project / "_site") == site_before
    assert snapshot(project / "content" / "papers") == papers_with_mistake


def test_ingest_stops_on_the_same_mistakes(project, capsys):
    """`ingest` reads the same inputs: a broken paper file stops it before it writes."""
    replace_in(PAPER, "title: A Paper on Speech", "title: [A Paper on Speech")(project)
    write("content/digests/2025-03-19.txt", DIGEST.replace("Mar 18", "Mar 19").replace("Another", "A Third"))(project)
    papers_before = snapshot(project / "content" / "papers")
    assert cli.main(["ingest"]) == 1
    assert f"error: {PAPER}:2: invalid YAML" in capsys.readouterr().err
    assert snapshot(project / "content" / "papers") == papers_before


@pytest.mark.parametrize("value", [
    "/", "/atlas/", "/atlas", "/v1.2/", "/%7Eme/atlas/", "https://user.github.io/atlas/", "HTTPS://Example.org",
    "http://localhost:8000/", "http://127.0.0.1:8000/atlas/", "/atlas-é/", "https://bücher.example/",
    "http://[::1]:8000/atlas/",
])
def test_a_base_url_a_site_can_be_served_at_is_taken_as_written(value):
    assert check_base_url(value) == value


@pytest.mark.parametrize(("value", "problem"), [
    ("/atlas/../x/", "has a '.' or '..' segment"),
    ("/./", "has a '.' or '..' segment"),
    ('/a"b/', "has a character a link cannot hold as it is"),
    ("/atlas/#top", "has a query or fragment"),
    ("https://example.org:99999/", "does not name a host"),
    ("https://exa mple.org/", "does not name a host"),
    ("/Atlas/Index.HTM", "names a page, not a directory"),
    ("ftp://example.org/", "is not a path or site URL"),
    ("https://me.github.io/my atlas/", "has a character a link cannot hold as it is (use letters, digits, '-', '_' "
     "and '.' in the path, e.g. 'https://me.github.io/my-atlas/')"),
    ("/a\x85b/", "has a character a link cannot hold as it is"),
    ("https://[username].github.io/atlas/", "does not name a host"),
    ("atlas/", "is not a path or site URL"),
])
def test_a_base_url_no_link_could_use_is_refused_with_the_reason(value, problem):
    with pytest.raises(SourceError, match="^base_url " + re.escape(f"{value!r} {problem}")):
        check_base_url(value)


@pytest.mark.parametrize(("value", "fixed"), [
    ("/atlas/,", "/atlas/"), ("/atlas,", "/atlas/"), ("https://me.github.io/atlas,/", "https://me.github.io/atlas/"),
])
def test_a_base_url_ending_in_a_comma_is_an_error_at_its_line(tmp_path, value, fixed):
    """A list's comma after the value ('base_url: /atlas/,'): every link of the site began '/atlas/,/'."""
    with pytest.raises(SourceError) as info:
        load_site_yaml(tmp_path, f"title: Atlas\nbase_url: {value}\n")
    assert str(info.value) == f"{tmp_path / 'site.yaml'}:2: base_url {value!r} ends in a comma (delete it: {fixed!r})"


@pytest.mark.parametrize("value", [
    "http://example.org/social.png", "//cdn.example.org/social.png", "ftp://example.org/social.png",
    "https:///social.png", "https://exa mple.org/social.png", "https://example.org/my social.png",
    'https://example.org/"social".png', "https://me@example.org/social.png", "https://example.org/x.png#top",
])
def test_an_image_address_a_social_site_cannot_fetch_is_an_error_at_its_line(tmp_path, value):
    with pytest.raises(SourceError, match=r"^.*site\.yaml:2: image .* is not an https address of a picture"):
        load_site_yaml(tmp_path, f"title: Atlas\nimage: '{value}'\n")


def test_an_image_address_is_taken_as_written_and_a_file_is_left_for_the_build(tmp_path):
    address = "https://cdn.example.org/atlas/social.png?w=1200"
    assert load_site_yaml(tmp_path, f"image: {address}\n").image == address
    # Checked against what content/public/ publishes, which only the build knows.
    assert load_site_yaml(tmp_path, "image: no-such.png\n").image == "no-such.png"


def load_site_yaml(directory: Path, text: str) -> SiteConfig:
    (directory / "site.yaml").write_text(text, encoding="utf-8")
    return load_config(directory / "site.yaml")


@pytest.mark.parametrize("escape", ["\\a", "\\x1b", "\\uFFFE", "\\ud800"])
def test_a_character_no_page_or_feed_can_hold_in_the_description_is_an_error(tmp_path, escape):
    with pytest.raises(SourceError, match=r"^.*site\.yaml:2: description holds a control character"):
        load_site_yaml(tmp_path, f'title: Atlas\ndescription: "Papers{escape} I follow"\n')


def test_a_title_or_description_over_several_lines_is_read_as_one_line(tmp_path):
    site_yaml = tmp_path / "site.yaml"
    site_yaml.write_text("title: >\n  Paper\n  Atlas\ndescription: |\n  Papers I follow,\n    by topic.\n")
    config = load_config(site_yaml)
    assert (config.title, config.description) == ("Paper Atlas", "Papers I follow, by topic.")


def test_a_value_wrapped_at_a_dash_is_one_text_as_before_the_list_item_check(tmp_path):
    # Only a list's item so wrapped is read as a mistake: a mapping's value
    # wrapped at a dash built as one text before, and builds so still.
    site_yaml = tmp_path / "site.yaml"
    site_yaml.write_text("description: Retrieval-augmented generation\n  - grounding answers in documents\n")
    assert load_config(site_yaml).description == "Retrieval-augmented generation - grounding answers in documents"
    topics = tmp_path / "topics.yaml"
    topics.write_text(
        "topics:\n  - slug: rag\n    name: RAG\n    description: Retrieval-augmented generation\n"
        "      - grounding answers\n    keywords: {retrieval: 3}\n"
    )
    from site_builder.topics_yaml import load_taxonomy

    (topic,) = load_taxonomy(topics).topics
    assert topic.description == "Retrieval-augmented generation - grounding answers"


def test_an_image_that_is_no_file_is_an_error_with_the_digests_before_the_site_model(project, capsys, monkeypatch):
    """Found with the other inputs' mistakes, in the same build: it was found
    after the site model (seconds into a large build), and only once the
    digests were right."""
    import site_builder.pipeline as pipeline

    append("content/site.yaml", "image: social.png\n")(project)
    write("content/digests/2025-03-19.txt", "Mar 19\n\nOnly A Title\n")(project)
    capsys.readouterr()
    assert cli.main(["-q"]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert [error.split(": ")[1] for error in errors] == [
        "content/digests/2025-03-19.txt:3", f"content/site.yaml:{SITE_LINES + 1}",
    ]

    (project / "content" / "digests" / "2025-03-19.txt").unlink()
    monkeypatch.setattr(pipeline, "build_site", lambda *args, **kwargs: pytest.fail("the site model was built"))
    assert cli.main(["-q"]) == 1
    assert f"error: content/site.yaml:{SITE_LINES + 1}: image 'social.png' is not a file" in capsys.readouterr().err


def test_ingest_stops_at_an_alias_of_itself_before_rewriting_the_paper(project, capsys):
    """A new digest dates the paper, so ingest rewrites its file: comparing
    the old front matter with the new ended in a RecursionError."""
    replace_in(PAPER, "links: []\n", "links: []\nloop: &a [*a]\n")(project)
    write("content/digests/2025-03-19.txt", DIGEST.replace("Mar 18", "Mar 19"))(project)
    papers_before = snapshot(project / "content" / "papers")
    assert cli.main(["ingest"]) == 1
    assert f"error: {PAPER}:7: invalid YAML: the value anchored here ('&a') holds an alias of itself" in capsys.readouterr().err
    assert snapshot(project / "content" / "papers") == papers_before


# The second has too many '[' for libyaml (its parser crashes deep down), so PyYAML's reads it.
@pytest.mark.parametrize("comment", ["", "# " + "[" * 600 + "\n"], ids=["libyaml", "pyyaml"])
def test_aliases_adding_values_up_to_the_limit_are_read_as_written(comment):
    """Nine x's, then four lines of nine aliases each of the line above: 74,000 values, under the limit."""
    data = parse_yaml_mapping(comment + "title: T\n" + aliases_of_aliases(5), "paper.md", first_line=2)[0]
    assert data["l4"][8][8][8][8] == ["x"] * 9


@pytest.mark.parametrize("value", ["!!seq &a [*a]", "&a !!seq [*a]", "!<tag:yaml.org,2002:seq> &a\n  - *a"])
def test_an_alias_of_itself_is_named_by_its_anchor_with_a_tag_before_or_after_it(value):
    """A tag before the anchor hid its name: "('&name') holds an alias of itself ('*name')"."""
    with pytest.raises(SourceError) as raised:
        parse_yaml_mapping(f"title: T\nloop: {value}\n", "paper.md", first_line=2)
    assert str(raised.value).startswith(
        "paper.md:3: invalid YAML: the value anchored here ('&a') holds an alias of itself ('*a')"), str(raised.value)
