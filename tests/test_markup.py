"""Text to HTML (site_builder/markup.py): notes and papers of one's own as
Markdown, digest abstracts as the digest wrote them, links ended where the
Links list ends them, and the fast paths agreeing with the libraries."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from linkify_it import LinkifyIt
from markdown_it.common.utils import escapeHtml

from site_builder.markup import (
    UNDER_THE_TITLE, QuickLinkify, _MARKUP_CHARACTER, _first_characters, _render_markdown, make_digest_text,
    html_to_text, make_markdown, markdown_html, markdown_parser, tex_quotes, under_base, with_heading_ids,
)
from site_builder.papers import PaperRecord, extract_links, title_key, trim_address
from site_builder.raw_html import html_shown_as_text, instead_of
from site_builder.tex import clean_mathml, unshown_math
from site_builder.site import shown_markdown
from site_builder.wikilinks import (
    embed_targets, embedded_names, linked_names, unshown_embeds, wikilink_targets, with_embedded_images,
    with_link_targets,
)


class EndedAsLinksList(LinkifyIt):
    """linkify-it's addresses, ended where a paper's links: list ends them
    (it leaves a full stop before a closing bracket, or a semicolon, in)."""

    def match(self, text):
        return [self._ended(found) for found in super().match(text) or ()] or None

    def match_at_start(self, text):
        found = super().match_at_start(text)
        return found and self._ended(found)

    @staticmethod
    def _ended(found):
        cut = len(found.raw) - len(trim_address(found.raw))
        if cut:
            found.raw, found.text, found.url = found.raw[:-cut], found.text[:-cut], found.url[:-cut]
            found.last_index -= cut
        return found


# Money as notes and abstracts write it, which pandoc's rules keep as text:
# no space after the opening "$" nor before the closing one, no digit straight
# after the closing one (nor, here, before the opening one); "\\$" is a dollar sign.
@pytest.mark.parametrize("text, shown", [
    ("It costs $5 and $10 a month.", "It costs $5 and $10 a month."),
    ("A $100K Budget", "A $100K Budget"),
    ("From $20,000 to $30,000.", "From $20,000 to $30,000."),
    ("Between $5-$10 per run", "Between $5-$10 per run"),
    ("It costs 5$ and 10$ in Europe.", "It costs 5$ and 10$ in Europe."),
    ("A $ sign alone, and $ spaced $ too", "A $ sign alone, and $ spaced $ too"),
    ("Escaped \\$x\\$ and \\$5", "Escaped $x$ and $5"),
    ("US$5 and $3.50/hour", "US$5 and $3.50/hour"),
    ("$$5 million", "$$5 million"),
])
def test_money_in_markdown_stays_text_beside_math(text, shown):
    html = make_markdown()(f"{text} Beside $x$ too")
    assert html.startswith(f"<p>{shown} Beside <math><semantics><mi>x</mi>") and html.count("<math") == 1


def test_a_formula_in_a_line_is_kept_with_the_punctuation_written_against_it():
    """A browser breaks a line on either side of a formula; the stylesheet keeps this span on one line."""
    html = make_markdown()("Then ($x$), and “$y$”: top-$k$ and $z$ done.")
    shown = re.sub(r"<math>.*?</math>", "M", html)
    assert shown == ('<p>Then <span class="math-in-text">(M),</span> and <span class="math-in-text">“M”:</span>'
                     " top-M and M done.</p>\n")


def test_inline_and_display_math_become_mathml_with_their_tex_as_annotation():
    markdown = make_markdown()
    inline = markdown("Loss $\\mathcal{L}(\\theta) = x^2$ falls, $a<b$ too.")
    assert inline.startswith("<p>Loss <math><semantics>") and "<msup><mi>x</mi><mn>2</mn></msup>" in inline
    assert re.findall(r'<annotation encoding="application/x-tex">([^<]*)</annotation>', inline) == [
        "\\mathcal{L}(\\theta) = x^2", "a&lt;b",
    ]
    # On lines of its own (in a quote or a list too), a block that scrolls on a phone; in a paragraph, the same in a <span>.
    for text in ("$$\n\\sum_{i=1}^n x_i\n$$", "$$\\sum_{i=1}^n x_i$$", "> $$\n> \\sum_{i=1}^n x_i\n> $$"):
        html = markdown(text)
        assert '<div class="math-display"><math display="block"><semantics>' in html and "<munderover>" in html, text
        assert '<annotation encoding="application/x-tex">\\sum_{i=1}^n x_i</annotation>' in html
    in_paragraph = markdown("So\n$$\\frac{1}{2}$$\nholds.")
    assert in_paragraph.startswith('<p>So\n<span class="math-display"><math display="block"><semantics><mfrac>')
    # Code stays code.
    assert "<math" not in markdown("`$x$` and\n\n    $$x$$\n")


def test_math_is_laid_out_by_classes_not_by_style_attributes_which_the_csp_refuses():
    html = make_markdown()(
        "$$\\begin{aligned}a &= b \\\\ c &= d\\end{aligned}$$\n\n"
        "$$f(x) = \\begin{cases}1 & x > 0 \\\\ 0 & \\text{else}\\end{cases}$$\n\n"
        "$$\\begin{array}{|c|c|}\\hline a & b\\end{array} \\color{red}{x}$$"
    )
    assert not re.search(r"\sstyle=", html) and "<mtable" in html
    assert '<mtd class="math-end math-flush-right"><mi>a</mi></mtd><mtd class="math-start math-flush-left">' in html
    assert {"math-gap-left", "math-rule-left", "math-rule-top", "math-rule-right"} <= set(" ".join(re.findall(r'class="([^"]*)"', html)).split())


def test_a_display_formula_tagged_outside_an_environment_is_numbered_by_its_tag_as_mathjax_shows_it():
    """"$$ E = mc^2 \\tag{3} $$" was TeX shown as code, with a warning that \\tag
    belongs in an equation environment, where Obsidian's MathJax shows "(3)"."""
    html = make_markdown()(
        "$$ E = mc^2 \\tag{3} $$\n\n$$\\begin{aligned} a &= b \\end{aligned} \\tag{A.1} \\label{eq:a}$$\n\n"
        "By $\\eqref{eq:a}$; $$\\begin{align} c \\tag{4} \\end{align}$$ as before; $x \\tag{5}$ in a line is not math."
    )
    assert html.count('class="math-error"') == 1 and "$x \\tag{5}$</code>" in html
    assert re.findall(r"<mtext>([^<]*)</mtext>", html) == ["(3)", "(A.1)", "(A.1)", "(4)"]
    # Each keeps the TeX as written, for copying, search and feeds.
    assert re.findall(r'<annotation encoding="application/x-tex">([^<]*)</annotation>', html)[:2] == [
        "E = mc^2 \\tag{3}", "\\begin{aligned} a &amp;= b \\end{aligned} \\tag{A.1} \\label{eq:a}",
    ]


def test_an_equation_with_two_tags_is_shown_as_its_tex_not_numbered_by_the_last():
    """The converter showed "(2)" for "x \\tag{1} \\tag{2}", the "(1)" gone
    unsaid; LaTeX, MathJax and KaTeX refuse it. The lines of align are
    equations each, with a tag each; a formula outside one is one equation."""
    html = make_markdown()(
        "$$ x = 1 \\tag{1} \\tag*{2} $$\n\n$$\\begin{align} a \\tag{3} \\tag{4} \\\\ b \\end{align}$$\n\n"
        "$$ y \\tag{7} \\\\ z \\tag{8} $$\n\n$$\\begin{align} c \\tag{5} \\\\ d \\tag{6} \\end{align}$$\n\n"
        # Two formulas on a line are one to the parser: the converter's reason says so.
        "$$ p \\tag{9} $$ and $$ q \\tag{10} $$"
    )
    assert re.findall(r'<code class="math-error" title="([^"]*)" data-line="[0-9]+">', html) == [
        "it has two \\tag for one equation, which has one number",
    ] * 3 + ["Unexpected &quot;$&quot;"]
    assert re.findall(r"<mtext>([^<]*)</mtext>", html) == ["(5)", "(6)"]


def test_tex_that_is_no_math_is_shown_as_code_saying_why():
    html = make_markdown()("Bad $\\foo{x}$ and $x^{2$ here.\n\n$$\n\\frac{a}{b\n$$\n")
    assert "<math" not in html
    assert re.findall(r'<code class="math-error" title="([^"]*)" data-line="[0-9]+">([^<]*)</code>', html) == [
        ("Unknown command &quot;\\foo&quot;", "$\\foo{x}$"),
        ("Expected closing token &quot;}&quot;, but reached end of input", "$x^{2$"),
        ("Expected closing token &quot;}&quot;, but reached end of input", "$$\n\\frac{a}{b\n$$"),
    ]
    assert "<pre><code class=\"math-error\"" in html  # the block as it was written, on its lines
    # One bad formula leaves the others math.
    assert html.count("math-error") == 3 and make_markdown()("$\\foo$ and $x$").count("<math>") == 1


# The line a note starts on in its file, below "---\ntitle: A\n---\n\n## Notes\n\n".
NOTES_LINE = 7


def test_a_formula_shown_as_tex_is_a_warning_at_its_line():
    note = "A note.\n\nFirst $x$ fine,\nthen $\\foo{x}$ not.\n\n$$\n\\frac{a}{b\n$$\n\nAgain $\\foo{x}$.\n"
    path = Path("content/papers/a.md")
    warnings = unshown_math([("papers/a/", make_markdown()(note), path, NOTES_LINE)])
    assert [(str(w.path), w.line) for w in warnings] == [(str(path), 10), (str(path), 13), (str(path), 16)]
    assert str(warnings[0]) == (
        'content/papers/a.md:10: math shown as its TeX, not as math: Unknown command "\\foo" '
        "(fix the TeX; a dollar sign that starts no formula is written \\$)"
    )
    assert unshown_math([("papers/a/", make_markdown()("$x$ and $5"), path, NOTES_LINE)]) == ()


# Each either math, its text escaped and only the converter's known
# elements and attributes kept, or refused and shown as its TeX, escaped.
@pytest.mark.parametrize("tex, shown_as", [
    ("\\text{<script>alert(1)</script>}", "math"), ("\\href{javascript:alert(1)}{x}", "code"),
    ("\\style{color:red}{x}", "code"), ("\\class{evil}{x}", "code"), ("\\color{red}{x}", "math"),
    ("\\textcolor{red}{x}", "math"), ("\\url{javascript:alert(1)}", "code"),
    ("\\mathrm{<img src=x onerror=alert(1)>}", "math"), ("\\operatorname{<svg onload=alert(1)>}", "math"),
    ("\\begin{equation}x\\label{x\" onclick=\"alert(1)}\\end{equation}", "code"),
    ("\\begin{equation}x\\label{a}\\end{equation}\\eqref{javascript:alert(1)}", "math"),
    ("\\unicode{x}\\htmlId{a}{b}", "code"), ("\\def\\a{\\a\\a}\\a", "code"),
    ("{" * 8000 + "x" + "}" * 8000, "code"), ("x+" * 100_000 + "x", "code"),
])
def test_hostile_tex_is_inert(tex, shown_as):
    for text in (f"${tex}$", f"$$\n{tex}\n$$"):
        html = make_markdown()(text)
        assert ("<math" in html, "math-error" in html) == (shown_as == "math", shown_as == "code")
        tags = re.findall(r"</?([a-z]+)([^>]*)>", html)
        assert {name for name, _ in tags} <= {"p", "div", "span", "pre", "code", "math", "semantics", "annotation", "a"} | {
            name for name, _ in tags if re.fullmatch("m[a-z]+", name)
        }
        attributes = [found for _, rest in tags for found in re.findall(r'\s([a-z-]+)="([^"]*)"', rest)]
        assert not [name for name, _ in attributes if name.startswith("on") or name in ("style", "src")]
        assert all(value.startswith("#") for name, value in attributes if name == "href")
        assert all(word.startswith("math-") for name, value in attributes if name == "class" for word in value.split())
        assert "evil" not in {word for name, value in attributes for word in value.split()}


def test_mathml_keeps_only_known_elements_and_attributes():
    cleaned = clean_mathml(
        '<math display="block" onclick="x"><mi style="color:red;text-align: left" href="javascript:x">a</mi>'
        '<script>alert(1)</script><mtext><a href="https://x.org">b</a><a href="#eq-1">(1)</a></mtext>'
        '<mspace width="1em"/><foreignObject><b>c &amp; d</b></foreignObject></math>'
    )
    assert cleaned == (
        '<math display="block"><mi class="math-start">a</mi>alert(1)<mtext>b(1)</mtext>'
        '<mspace width="1em"/><b>c &amp; d</b></math>'
    )


def test_math_is_the_same_every_time_and_numbered_across_a_text():
    text = "$$\\begin{align}a &= b \\label{first}\\end{align}$$\n\nSee \\eqref{first}: $\\eqref{first}$ and\n\n$$\\begin{equation}c\\end{equation}$$\n"
    html = make_markdown()(text)
    assert html == make_markdown()(text)
    assert re.findall(r"<mtext>\((\d)\)</mtext></mtd>", html) == ["1", "2"]
    (label,) = re.findall(r' id="([^"]+)"', html)
    assert label.startswith("eq-") and label.endswith("-first")
    # \eqref's number, without its link: inside a formula, which is one image
    # to a screen reader, a link cannot be reached (axe: nested-interactive).
    assert "<a " not in html and "</a>" not in html
    assert re.search(r": <math><semantics><mtext>\(1\)</mtext><annotation", html)
    # Another text (a paper's own abstract, on the page of its notes) names its labels otherwise.
    assert label not in make_markdown()(text.replace("See", "Read"))


def test_digest_abstracts_are_shown_as_written_dollar_signs_and_all():
    text = "A $100K Budget: $x^2$ and $$y$$ cost $5."
    assert make_digest_text()(text) == f"<p>{text}</p>\n"
    assert make_markdown()(text).count("<math") == 2  # once edited in its file, the abstract is Markdown


def test_math_core_is_loaded_only_by_a_text_with_a_formula():
    script = (
        "import sys\nfrom site_builder.markup import make_markdown\nmarkdown = make_markdown()\n"
        "markdown('No math: **bold**, $5 and $10, `code`.')\nprint('math_core' in sys.modules)\n"
        "markdown('Math: $x$.')\nprint('math_core' in sys.modules)\n"
    )
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert shown.split() == ["False", "True"]


def test_notes_have_task_lists_and_footnotes_whose_ids_are_the_texts_own():
    markdown = make_markdown()
    notes = "- [ ] re-run it\n- [x] read [it](https://x.org)\n\nSmall gain.[^1] Cheap.^[Table 2.]\n\n[^1]: Three seeds.\n"
    html = markdown(notes)
    # A task's box is named by its text, as a checkbox in a <label>, and cannot be ticked on the site.
    assert '<li class="task-list-item"><label><input class="task-list-item-checkbox" disabled="disabled" type="checkbox"> re-run it</label></li>' in html
    assert 'checked="checked" disabled="disabled" type="checkbox"> read <a href="https://x.org">it</a></label>' in html
    references = re.findall(r'<sup class="footnote-ref"><a href="#(fn[^"]+)" id="(fnref[^"]+)">\[(\d)\]</a></sup>', html)
    notes_ids = re.findall(r'<li id="(fn[^"]+)" class="footnote-item"><p>([^<]+) <a href="#(fnref[^"]+)" class="footnote-backref" aria-label="Back to the text">', html)
    assert [(ref, back) for ref, back, _n in references] == [(note, back) for note, _text, back in notes_ids]
    assert [text for _id, text, _back in notes_ids] == ["Three seeds.", "Table 2."]
    # Another text (a paper's own abstract, on the same page as its notes) numbers its footnotes with other ids.
    abstract = markdown("Read next.[^1]\n\n[^1]: March.\n")
    other_ids = set(re.findall(r'id="([^"]+)"', abstract))
    assert len(other_ids) == 2 and not other_ids & set(re.findall(r'id="([^"]+)"', html))
    assert markdown(notes) == html, "the same text, the same ids: a build is deterministic"
    assert "task-list" not in markdown("- [] not a task\n- [y] nor this\n") and "footnote" not in markdown("x^2 and [^1] with no note\n")


@pytest.mark.parametrize("text, levels", [
    ("# Idea\n\n## Setup\n\n### Detail", ["h3", "h4", "h5"]),  # as in Obsidian: a second <h1> before
    ("## Setup\n\nText.\n\n## Results", ["h3", "h3"]),  # siblings of "Notes" before
    ("### Only", ["h3"]),
    ("#### Deep\n\n###### Deeper", ["h3", "h5"]),  # the shallowest under the section, the depth below it kept
    ("# Top\n\n##### Five below\n\n###### Six below", ["h3", "h6", "h6"]),  # no <h7>
    ("Setext\n======\n\nUnder it\n--------", ["h3", "h4"]),
    ("> # Quoted\n\n- ## In a list", ["h3", "h4"]),
    ("No heading, a [link](https://x.org) and `code`.", []),
])
def test_headings_in_notes_nest_under_their_sections_h2(text, levels):
    html = make_markdown()(text)
    assert re.findall(r"<(h[1-6])>", html) == levels
    assert re.findall(r"</(h[1-6])>", html) == levels


def test_headings_in_a_page_nest_under_its_titles_h1():
    page = make_markdown(UNDER_THE_TITLE)
    assert re.findall(r"<(h[1-6])>", page("# Reading\n\n## Next week")) == ["h2", "h3"]
    assert page("## Reading\n\nSoon.") == "<h2>Reading</h2>\n<p>Soon.</p>\n", "written as nested, kept"


def test_notes_with_headings_keep_their_footnotes_and_task_lists():
    html = make_markdown()("# Idea\n\n- [x] read it\n\nSmall gain.[^1]\n\n## Why\n\n[^1]: Three seeds.\n")
    assert html.startswith("<h3>Idea</h3>\n") and "<h4>Why</h4>" in html
    assert 'type="checkbox"> read it</label>' in html
    (note,) = re.findall(r'<a href="#(fn-[^"]+)" id="fnref-[^"]+">\[1\]</a>', html)
    assert f'<li id="{note}" class="footnote-item"><p>Three seeds. <a href="#fnref-' in html


def heading_ids(markdown: str, taken=(), shown_above: str = "", shown_under: int = 2) -> list[str]:
    html = with_heading_ids(make_markdown(shown_under)(markdown), taken, shown_above)
    return re.findall(r'<h[1-6] id="([^"]*)">', html)


def test_a_heading_one_writes_has_the_slug_of_its_text_as_its_id():
    assert heading_ids("## Results\n\nText.\n\n### The *big* idea: $x^2$ in [`run()`](https://x.org)") == [
        "results", "the-big-idea-x-2-in-run",
    ]
    # As the text is shown: an image's alt, not a footnote's mark; accents and Greek as addresses spell them.
    assert heading_ids("# ![Plot](p.png) of α[^1]\n\n# Résumé &amp; more\n\n[^1]: A note.") == [
        "plot-of-alpha", "resume-more",
    ]
    assert heading_ids("Setext\n======\n\n> ## Quoted\n\n- ## In a list", shown_under=UNDER_THE_TITLE) == [
        "setext", "quoted", "in-a-list",
    ]


def test_a_heading_with_no_letter_or_digit_is_a_section_and_a_second_one_too():
    assert heading_ids("## 🎉\n\n## ***\n\n##\n\n## Section") == ["section", "section-2", "section-3", "section-4"]


def test_a_heading_takes_no_earlier_headings_id_counting_on_as_mkdocs_and_github_do():
    assert heading_ids("## Results\n\n## Results\n\n### Results 2\n\n## Results\n\n## results!") == [
        "results", "results-2", "results-2-2", "results-3", "results-4",
    ]


def test_a_heading_takes_none_of_the_ids_its_page_has_nor_the_texts_own():
    taken = ("main", "notes-heading", "abstract-heading")
    assert heading_ids("## Main\n\n## Notes heading\n\n## Abstract", taken) == ["main-2", "notes-heading-2", "abstract"]
    # A footnote's id, which the text holds before its headings are named
    # (a heading spelt as it is, as its id is named after the text).
    html = make_markdown()("A claim.[^1]\n\n## Later\n\n[^1]: A note.")
    (footnote,) = re.findall(r'<li id="([^"]+)"', html)
    named = with_heading_ids(html.replace("<h3>Later</h3>", f"<h3>{footnote}</h3>"))
    assert re.findall(r'<h3 id="([^"]*)">', named) == [f"{footnote}-2"]


def test_the_notes_headings_take_none_of_the_ids_of_the_abstract_above_them():
    # A paper of one's own shows both on its page: "Results" in each was one id twice.
    abstract = with_heading_ids(make_markdown()("## Results\n\n## Setup"), ("main",))
    assert heading_ids("## Results\n\n## Results\n\n## Main", ("main",), abstract) == [
        "results-2", "results-3", "main-2",
    ]
    assert heading_ids("## Results", ("main",)) == ["results"], "on a page of its own"


def test_a_text_without_headings_is_given_back_as_it_is():
    # Most notes: one look for "<h", nothing made.
    html = make_markdown()("A note with a [link](#results), a rule\n\n---\n\nand **bold**.")
    assert with_heading_ids(html, ("main",), "<h3 id=\"x\">X</h3>") is html


def test_heading_ids_are_the_same_every_time():
    text = "## Results\n\n## Results\n\n## 🎉"
    assert heading_ids(text, ("main",)) == heading_ids(text, ("main",)) == ["results", "results-2", "section"]


# Paper files and pages of one's own as wikilinks find them: "about" is both.
LINK_TARGETS, _SHARED, _NAMES = wikilink_targets(
    [("other-paper", "Other & Paper", ()), ("about", "A Paper Named About", ())],
    [("about", "About", ()), ("reading", "Reading", ())],
)


def wikilinked(markdown: str, base_path: str = "/") -> str:
    """Notes' HTML with their wikilinks as a page shows them."""
    return under_base(with_link_targets(make_markdown()(markdown), LINK_TARGETS), base_path)


def test_a_wikilink_to_a_paper_file_links_its_page_by_its_title_as_obsidian_finds_the_file():
    shown = '<a href="/papers/other-paper/" class="wikilink">Other &amp; Paper</a>'
    assert wikilinked("See [[other-paper]].") == f"<p>See {shown}.</p>\n"
    # In any case, with ".md", or with the folder of a vault before it, as Obsidian writes one.
    for written in ("[[Other-Paper]]", "[[other-paper.md]]", "[[ Other-Paper.MD ]]", "[[content/papers/other-paper]]"):
        assert wikilinked(written) == f"<p>{shown}</p>\n", written
    assert wikilinked("[[other-paper]]", "/atlas/") == (
        '<p><a href="/atlas/papers/other-paper/" class="wikilink">Other &amp; Paper</a></p>\n'
    )


def test_a_wikilink_with_text_of_its_own_shows_it_and_in_a_table_its_bar_is_escaped():
    assert wikilinked("[[Other-Paper|the *other* one]]") == (
        '<p><a href="/papers/other-paper/" class="wikilink">the *other* one</a></p>\n'
    )
    table = wikilinked("| paper | note |\n|---|---|\n| [[other-paper\\|that one]] | [[other-paper]] |\n")
    assert '<td class="short"><a href="/papers/other-paper/" class="wikilink">that one</a></td>' in table
    assert "Other &amp; Paper</a></td>" in table


def test_a_wikilink_to_a_heading_leads_to_its_id_and_shows_it_after_the_title():
    assert wikilinked("[[other-paper#The Results]] [[Other-Paper#Setup#Data|data]] [[#Setup]] [[#Setup#The $x^2$ loss]]") == (
        '<p><a href="/papers/other-paper/#the-results" class="wikilink">Other &amp; Paper › The Results</a> '
        '<a href="/papers/other-paper/#data" class="wikilink">data</a> '
        '<a href="#setup" class="wikilink">Setup</a> '
        '<a href="#the-x-2-loss" class="wikilink">Setup › The $x^2$ loss</a></p>\n'
    )
    # The id its heading gets.
    assert heading_ids("## The Results\n\n## The $x^2$ loss") == ["the-results", "the-x-2-loss"]


def test_a_wikilink_to_a_page_of_ones_own_links_it_unless_a_paper_has_its_name():
    assert wikilinked("[[Reading]] and [[about]]", "/atlas/") == (
        '<p><a href="/atlas/reading/" class="wikilink">Reading</a> and '
        '<a href="/atlas/papers/about/" class="wikilink">A Paper Named About</a></p>\n'
    )


def test_a_wikilink_to_the_first_heading_a_page_shows_as_its_title_leads_to_the_page():
    """A page whose first line "# About" repeats its title shows it once, as
    its title (OwnPage.body_below_title): Obsidian's [[about#About]] names
    that heading, which has no id of its own on the page."""
    targets, _shared, _names = wikilink_targets(
        [("other-paper", "Other", ())], [("about", "About", ()), ("reading", "Reading", ())], headed_by_title={"about"},
    )
    assert with_link_targets(make_markdown()(
        "[[about#About]] [[About.md#about|me]] [[about#About#Why]] [[reading#Reading]] [[other-paper#Other]]"
    ), targets) == (
        '<p><a href="/about/" class="wikilink">About › About</a> <a href="/about/" class="wikilink">me</a> '
        '<a href="/about/#why" class="wikilink">About › About › Why</a> '
        # A page whose first heading is shown (none of its title) and a paper keep theirs.
        '<a href="/reading/#reading" class="wikilink">Reading › Reading</a> '
        '<a href="/papers/other-paper/#other" class="wikilink">Other › Other</a></p>\n'
    )


def test_a_wikilink_on_a_page_to_the_heading_it_shows_as_its_title_leads_to_its_top():
    """[[#About]] on the page whose first line "# About" is shown as its title."""
    targets, _shared, _names = wikilink_targets([], [("about", "About", ())], headed_by_title={"about"})
    rendered = make_markdown()("[[#About]] [[#about|top]] [[#About#Why]] [[about#About]] [[#Aboutness]]")
    assert with_link_targets(rendered, targets, title_heading="about") == (
        '<p><a href="#" class="wikilink">About</a> <a href="#" class="wikilink">top</a> '
        '<a href="#why" class="wikilink">About › Why</a> <a href="/about/" class="wikilink">About › About</a> '
        '<a href="#aboutness" class="wikilink">Aboutness</a></p>\n'
    )
    # On another page, or a page whose first heading it shows: the heading's id.
    assert with_link_targets(rendered, targets).startswith('<p><a href="#about" class="wikilink">About</a>')


def test_a_wikilink_by_a_pages_other_name_to_the_heading_it_shows_as_its_title_leads_to_the_page():
    """[[Who#About]], by a name under the page's aliases:, names the heading
    [[about#About]] does: it kept the heading's id, which the page has not,
    and was warned of as [[about#About]], the link written to that address."""
    targets, _shared, _names = wikilink_targets([], [("about", "About", ("Who",))], headed_by_title={"about"})
    assert with_link_targets(make_markdown()("[[Who#About]] [[who#about|me]] [[Who#Why]]"), targets) == (
        '<p><a href="/about/" class="wikilink">Who › About</a> <a href="/about/" class="wikilink">me</a> '
        '<a href="/about/#why" class="wikilink">Who › Why</a></p>\n'
    )


def test_a_wikilink_by_a_name_under_a_notes_aliases_links_its_page_showing_the_name_as_written():
    """Obsidian keeps a note's other names under aliases: ("MoE survey"): a
    [[MoE survey]] led to no page, as no file has that name."""
    targets, shared, names = wikilink_targets(
        [("mixture-of-experts", "A Survey on Mixture of Experts", ("MoE survey", "moe")), ("lora", "LoRA", ("Low rank",)),
         ("other-paper", "Other", ("LoRA", "Adapters")), ("qlora", "QLoRA", ("adapters",))],
        [("about", "About", ("About me", "moe")), ("reading", "Reading", ("other-paper",))],
    )
    shown = with_link_targets(make_markdown()(
        "[[MoE survey]] [[moe Survey#Setup]] [[MoE survey|the survey]] [[Low Rank.md]] [[About me]] "
        "[[LoRA]] [[other-paper]] [[moe]] [[Adapters]]"
    ), targets)
    assert shown == (
        '<p><a href="/papers/mixture-of-experts/" class="wikilink">MoE survey</a> '
        '<a href="/papers/mixture-of-experts/#setup" class="wikilink">moe Survey › Setup</a> '
        '<a href="/papers/mixture-of-experts/" class="wikilink">the survey</a> '
        '<a href="/papers/lora/" class="wikilink">Low Rank.md</a> '
        '<a href="/about/" class="wikilink">About me</a> '
        # A file's name before another file's other name, as Obsidian links the file.
        '<a href="/papers/lora/" class="wikilink">LoRA</a> <a href="/papers/other-paper/" class="wikilink">Other</a> '
        # A name two files have leads to neither: the links check names them.
        '<a href="/papers/moe/" class="wikilink">moe</a> <a href="/papers/adapters/" class="wikilink">Adapters</a></p>\n'
    )
    assert shared == {"moe": ("mixture-of-experts", "about"), "adapters": ("other-paper", "qlora")}
    # The names that lead to one note, as written: for the links check to suggest.
    assert names == ("MoE survey", "Low rank", "About me")


def test_a_wikilink_to_no_paper_or_page_links_papers_by_that_name_for_the_links_check():
    assert wikilinked("[[Gone-Paper]] [[gone-paper#Setup]] [[a b?]] [[gone|text]]") == (
        '<p><a href="/papers/gone-paper/" class="wikilink">Gone-Paper</a> '
        '<a href="/papers/gone-paper/#setup" class="wikilink">gone-paper › Setup</a> '
        '<a href="/papers/a%20b%3F/" class="wikilink">a b?</a> '
        '<a href="/papers/gone/" class="wikilink">text</a></p>\n'
    )


def test_brackets_in_code_math_escapes_embeds_and_empty_ones_stay_as_written():
    assert wikilinked("`[[other-paper]]` \\[\\[other-paper]] \\[[other-paper]] ![[plot.png]] [[]] [[|x]] [[#]]") == (
        "<p><code>[[other-paper]]</code> [[other-paper]] [[other-paper]] "
        '<span class="obsidian-embed" title="An Obsidian embed: shown as written" data-line="1">![[plot.png]]</span> '
        "[[]] [[|x]] [[#]]</p>\n"
    )
    assert wikilinked("```\n[[other-paper]]\n```\n\n    [[other-paper]]") == (
        "<pre><code>[[other-paper]]\n</code></pre>\n<pre><code>[[other-paper]]\n</code></pre>\n"
    )
    assert "wikilink" not in wikilinked("$[[other-paper]]$ and [[other\npaper]]")
    # A link in a link's text is no link, as "[x [a](/b)](/y)" is not.
    assert 'href="/y"' not in wikilinked("[x [[other-paper]]](/y)")


def test_an_embed_shown_as_written_is_a_warning_at_its_line_saying_what_to_write():
    """Obsidian's "![[Pasted image ….png]]" showed as written, without a word."""
    note = (
        "![[plot.png]]\n\nSee ![[Pasted image 1.png|300]], ![[other-note#Setup|its setup]],\n"
        "`![[code.png]]`, ![[paper.pdf]] and ![[img/plot.png]].\n"
    )
    path = Path("content/papers/a.md")
    html = make_markdown()(note)
    warnings = unshown_embeds([("papers/a/", html, path, NOTES_LINE)], ["files/Paper.pdf", "favicon.ico"])
    assert [(str(w.path), w.line, w.hint) for w in warnings] == [
        (str(path), 7, "put plot.png in content/public/, in any folder there, and the embed shows it"),
        (str(path), 9, "put Pasted image 1.png in content/public/, in any folder there, and the embed shows it"),
        # With its heading, which the hint dropped ("[[other-note]]").
        (str(path), 9, "link the note instead, [[other-note#Setup]]"),
        # A file no image shows is linked, not shown as an image that shows nothing.
        (str(path), 10, "content/public/ has it: link it, [paper.pdf](/files/Paper.pdf)"),
        (str(path), 10, "put plot.png at content/public/img/plot.png, and the embed shows it"),
    ]
    assert str(warnings[0]).startswith(
        "content/papers/a.md:7: Obsidian embed ![[plot.png]] is shown as written, not as the file: the site does not read your vault"
    )
    assert html_to_text(html).startswith("![[plot.png]] See ![[Pasted image 1.png|300]],")
    assert unshown_embeds([("papers/a/", make_markdown()("`![[x.png]]` [[x]]"), path, NOTES_LINE)], []) == ()
    (warning,) = unshown_embeds([("papers/a/", make_markdown()("![[x.pdf]]"), path, NOTES_LINE)], [])
    assert warning.hint == "put the file in content/public/ and link it, [x.pdf](/x.pdf)"


def test_an_embed_by_a_path_from_elsewhere_than_content_public_is_told_the_path_there():
    """A vault's relative or absolute path ("![[../public/img/plot.png]]",
    "![[./img/plot.png]]") was told to put the file where it was already, or
    out of content/public/ ("at content/public/../public/img/plot.png")."""
    note = "![[../public/img/plot.png]] ![[./img/plot.png|300]]\n\n![[public/img/plot.png]] ![[../secret.png]]\n"
    path = Path("content/papers/a.md")
    published = ["img/plot.png", "other/deeper/plot.png"]
    warnings = unshown_embeds([("papers/a/", make_markdown()(note), path, NOTES_LINE)], published)
    has_it = "content/public/ has img/plot.png: embed it by its path there, ![[img/plot.png]], or by its name alone, ![[plot.png]]"
    assert [(w.line, w.hint) for w in warnings] == [
        (7, has_it),
        (7, has_it),
        (9, has_it),
        (9, "put secret.png at content/public/secret.png and embed it by its path there (./ and ../ lead nowhere), ![[secret.png]]"),
    ]


def test_an_embed_with_a_space_written_as_percent_20_is_told_the_file_spelt_with_its_space():
    """A name copied from an address ("![[Router%20Heatmap.png]]") was told
    to put "Router%20Heatmap.png" in content/public/, which had "Router Heatmap.png"."""
    note = "![[Router%20Heatmap.png|300]] ![[img/Loss%20Curve.png]]\n\n![[R%C3%A9sum%C3%A9.pdf]] ![[New%20Plot.png]] ![[Caf%C3%A9.png]]\n"
    path = Path("content/papers/a.md")
    published = ["Router Heatmap.png", "img/Loss Curve.png", "files/Résumé.pdf"]
    warnings = unshown_embeds([("papers/a/", make_markdown()(note), path, NOTES_LINE)], published)
    assert [(w.line, w.hint) for w in warnings] == [
        (7, "content/public/ has Router Heatmap.png: write the space as a space, ![[Router Heatmap.png]]"),
        (7, "content/public/ has img/Loss Curve.png: write the space as a space, ![[Loss Curve.png]]"),
        (9, "content/public/ has it: link it, [Résumé.pdf](/files/R%C3%A9sum%C3%A9.pdf)"),
        (9, "put New Plot.png in content/public/, in any folder there, and write the space as a space, ![[New Plot.png]]"),
        (9, "put Café.png in content/public/, in any folder there, and write the name as it is spelt, not %-encoded, ![[Café.png]]"),
    ]


PUBLISHED = ("favicon.ico", "img/plot.png", "figures/deep/Plot.png", "Loss Curve.JPG", "paper.pdf", "b/twice.svg",
             "a/twice.svg", "aa/Twice.svg")


def embedded(markdown: str, base_path: str = "/") -> str:
    """Notes' HTML with their embeds as a page shows them, PUBLISHED in content/public/."""
    return shown_markdown(make_markdown()(markdown), base_path, {}, (), embedded_images=embed_targets(PUBLISHED))


def test_an_embed_of_an_image_of_public_shows_it_found_by_its_name_or_its_path_there_in_any_case():
    """As Obsidian finds a file in its vault: Obsidian's "![[plot.png]]"
    showed as written, an image put in content/public/ or not."""
    assert embedded("![[plot.png]]") == '<p><img src="/img/plot.png" alt="plot" loading="lazy" /></p>\n'
    assert embedded("A ![[PLOT.png]] and ![[figures/deep/plot.PNG]]", "/atlas/") == (
        '<p>A <img src="/atlas/img/plot.png" alt="PLOT" loading="lazy" /> and '
        '<img src="/atlas/figures/deep/Plot.png" alt="plot" loading="lazy" /></p>\n'
    )
    # Its address encoded; its alt text its name as written, without the extension.
    assert embedded("![[loss curve.jpg]]") == (
        '<p><img src="/Loss%20Curve.JPG" alt="loss curve" loading="lazy" /></p>\n'
    )
    # Of files of one name, the one of the shortest path, then the first in order.
    assert embed_targets(PUBLISHED)["twice.svg"] == "a/twice.svg"
    assert embed_targets(reversed(PUBLISHED)) == embed_targets(PUBLISHED)
    # An image by no path of public's, a file no image shows, a note: shown as written.
    for written in ("![[deep/plot.png]]", "![[paper.pdf]]", "![[favicon.ico]]", "![[plot]]", "![[img/plot.png.md]]"):
        assert embedded(written) == make_markdown()(written), written
    # In code, or after "\\", which makes it "!" and a wikilink: no image.
    assert embedded("`![[plot.png]]`") == "<p><code>![[plot.png]]</code></p>\n"
    assert "<img" not in embedded("\\![[plot.png]]")


def test_an_embedded_images_width_height_and_alt_text_are_what_follows_its_bar():
    assert embedded("![[plot.png|300]]") == '<p><img src="/img/plot.png" alt="plot" loading="lazy" width="300" /></p>\n'
    assert embedded("![[plot.png | 300x0200 ]]") == (
        '<p><img src="/img/plot.png" alt="plot" loading="lazy" width="300" height="200" /></p>\n'
    )
    assert embedded('![[plot.png|The "loss" <b>curve</b>]]') == (
        '<p><img src="/img/plot.png" alt="The &quot;loss&quot; &lt;b&gt;curve&lt;/b&gt;" loading="lazy" /></p>\n'
    )
    assert embedded("![[plot.png|Loss, 300|300]] ![[plot.png|300 wide]]") == (
        '<p><img src="/img/plot.png" alt="Loss, 300" loading="lazy" width="300" /> '
        '<img src="/img/plot.png" alt="300 wide" loading="lazy" /></p>\n'
    )
    # In a table, "\|" is its bar.
    assert '<img src="/img/plot.png" alt="plot" loading="lazy" width="40" /></td>' in embedded(
        "| a |\n|---|\n| ![[plot.png\\|40]] |\n"
    )


def test_an_embedded_image_reads_as_its_alt_text_for_search_and_summaries():
    assert html_to_text(embedded("The loss: ![[plot.png|a falling curve|300]].")) == "The loss: a falling curve."
    assert html_to_text(embedded("![[plot.png]] Text.")) == "plot Text."


def test_the_names_a_text_may_embed_by_are_found_without_rendering_it():
    assert embedded_names("No embeds, [[a]].") == ()
    assert embedded_names("![[Plot.png|300]] `![[figures/x.PNG#y]]` \\![[z.png]] ![[Plot.png]] [[w.png]]") == (
        "plot.png", "figures/x.png", "z.png",
    )
    assert with_embedded_images("<p>x</p>", {"plot.png": "plot.png"}) == "<p>x</p>"


def test_a_wikilinks_text_is_what_search_reads_not_its_brackets():
    assert html_to_text(wikilinked("See [[other-paper]], [[reading|my list]] and [[#Setup]].")) == (
        "See Other & Paper, my list and Setup."
    )


def test_the_names_a_text_may_link_by_wikilinks_are_found_without_rendering_it():
    assert linked_names("No links.") == ()
    assert linked_names("[[B.md|b]] `[[c]]` [[b#X]] ![[plot.png]] [[#Here]]") == ("b", "c")


def test_a_wikilink_after_an_escaped_exclamation_mark_is_a_name_its_text_links():
    """"\\![[x]]" is "!" and a wikilink, no embed: left out of the names a
    text links, the page kept its cached HTML, with the old title, after
    the linked paper's title changed (in the preview, until restarted)."""
    assert wikilinked("Wow\\![[other-paper]]") == (
        '<p>Wow!<a href="/papers/other-paper/" class="wikilink">Other &amp; Paper</a></p>\n'
    )
    assert linked_names("Wow\\![[Other-Paper]] ![[plot.png]]") == ("other-paper",)


def test_a_table_columns_alignment_is_a_class_the_stylesheet_aligns_not_a_style_the_csp_refuses():
    html = make_markdown()("| a | b | c | d |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n")
    # The pages' Content-Security-Policy (style-src 'self') ignores a style
    # attribute: the column would stand left-aligned whatever the table said.
    assert "style=" not in html
    # (and "short": a column of short cells, kept on one line)
    assert re.findall(r"<td(?: class=\"([^\"]+)\")?>", html) == [
        "align-left short", "align-center short", "align-right short", "short",
    ]
    assert '<th class="align-right short">c</th>' in html
    stylesheet = (Path(__file__).parent.parent / "static" / "style.css").read_text(encoding="utf-8")
    assert "td.align-center" in stylesheet and "td.align-right" in stylesheet


def test_a_table_stands_in_a_box_of_its_own_that_scrolls_and_keeps_its_display_as_a_table():
    # The table was the box that scrolled (display: block), which some screen
    # readers take for no table; its box is named as a region by site.js.
    html = make_markdown()("Before.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> | c |\n> |---|\n> | 3 |\n")
    assert re.findall(r"<div class=\"table-scroll\">\n<table>.*?</table>\n</div>\n", html, re.S) == [
        html[html.index('<div class="table-scroll">'):html.index("<blockquote>")],
        html[html.index("<blockquote>\n") + 13:html.index("</blockquote>")],
    ]
    stylesheet = (Path(__file__).parent.parent / "static" / "style.css").read_text(encoding="utf-8")
    assert ".table-scroll { overflow-x: auto;" in stylesheet and "table { display: block" not in stylesheet


def test_a_table_column_of_short_cells_is_marked_to_stay_on_one_line_and_one_with_a_sentence_is_not():
    html = make_markdown()(
        "| Model | MMLU | Note |\n|---|--:|---|\n| Mistral-7B-Instruct-v0.2 | 60.1 | kept |\n"
        "| x | 1 | the one we kept for the long runs, as it fits on a card |\n"
    )
    assert re.findall(r"<t[hd](?: class=\"([^\"]+)\")?>", html) == [
        "short", "align-right short", "", "short", "align-right short", "", "short", "align-right short", "",
    ]
    # A second table is measured for itself.
    assert '<td class="short">one line</td>' in make_markdown()(
        "| a |\n|---|\n| a sentence much longer than thirty characters |\n\n| b |\n|---|\n| one line |\n"
    )


def test_code_that_names_a_language_pygments_knows_is_coloured_by_its_tokens():
    markdown = make_markdown()
    html = markdown("```python\n\nfor x in range(3):  # <b>\n    print('a', 1.5)\n```\n")
    assert html.startswith('<pre><code class="language-python">\n<span class="tok-k">for</span> ')
    for token in ('<span class="tok-nb">range</span>', '<span class="tok-c1"># &lt;b&gt;</span>',
                  "<span class=\"tok-s1\">'a'</span>", '<span class="tok-mf">1.5</span>'):
        assert token in html, token
    (code,) = re.findall(r"<code[^>]*>(.*)</code>", html, re.S)
    assert re.sub(r"<[^>]+>", "", code).replace("&lt;", "<").replace("&gt;", ">") == "\nfor x in range(3):  # <b>\n    print('a', 1.5)\n"
    # A language Pygments does not know, and none, are text as markdown-it makes it.
    assert markdown("```no-such-language\na < b\n```\n") == '<pre><code class="language-no-such-language">a &lt; b\n</code></pre>\n'
    assert markdown("```\nfor x in y\n```\n") == "<pre><code>for x in y\n</code></pre>\n"
    assert markdown("    for x in y\n") == "<pre><code>for x in y\n</code></pre>\n"


def test_a_code_blocks_colours_do_not_depend_on_the_blocks_coloured_before_it():
    """Some lexers keep what one text set, in the lexer (Modula-2's dialect)
    or in its class (Csound's opcodes, Haxe's #if stack, XQuery's open
    braces), for the next: a note's page would then change with the notes
    rendered before it in the process, which a clean build, a cached one and
    the preview's rebuild of one paper's notes do not share."""
    pairs = [
        ("modula2", "(*!m2r10*)\nMODULE A;\nEND A.", "MODULE B;\nVAR s : BITSET;\nBEGIN INC(s); HALT END B."),
        ("csound", "opcode myop, a, a\nendop", "aout myop ain"),
        ("csound-csd", "<CsoundSynthesizer><CsInstruments>\nopcode other, a, a\nendop\n</CsInstruments></CsoundSynthesizer>",
         "<CsoundSynthesizer><CsInstruments>\naout other ain\n</CsInstruments></CsoundSynthesizer>"),
        ("haxe", "class A {\n#if js", "#else\n}"),
        ("xquery", "return {", "1 } 2"),
    ]
    for language, before, block in pairs:
        before, block = f"```{language}\n{before}\n```\n", f"```{language}\n{block}\n```\n"
        markdown = make_markdown()
        alone = markdown(block)
        markdown(before)
        assert markdown(block) == alone, language
        assert make_markdown()(block) == alone, language


def test_addresses_from_the_sites_root_lead_under_its_base_path():
    html = make_markdown()(
        "![plot](/img/plot.png) [topics](/topics/) [ref]\n\n"
        "[other](//cdn.example.org/x) [web](https://example.org/a) [near](../../img/plot.png)\n\n"
        "Text with =\"/not-a-link\" and `<a href=\"/code\">`.\n\n[ref]: /about/\n"
    )
    moved = under_base(html, "/repo/")
    assert '<img src="/repo/img/plot.png" alt="plot" />' in moved
    assert '<a href="/repo/topics/">topics</a>' in moved
    assert '<a href="/repo/about/">ref</a>' in moved
    # Another host, a full address, a relative one and text are as written.
    for kept in ('href="//cdn.example.org/x"', 'href="https://example.org/a"', 'href="../../img/plot.png"',
                 '=&quot;/not-a-link&quot;', '&lt;a href=&quot;/code&quot;&gt;'):
        assert kept in moved, kept
    assert under_base(html, "/") == html


def test_markdown_shows_raw_html_as_text():
    html = make_markdown()("<script>alert(1)</script> and <b>bold</b>")
    assert "<script>" not in html and "&lt;script&gt;" in html



def test_an_html_tag_is_shown_as_written_marked_for_the_builds_warning():
    """<kbd>, <br>, <details>, … showed as text on the published page without a word."""
    html = make_markdown()('Press <kbd>Ctrl</kbd>,<br>\n<div align="center">\n\n## A <sup>2</sup> heading')
    assert html == (
        '<p>Press <span class="raw-html" data-line="1">&lt;kbd&gt;</span>Ctrl<span class="raw-html" data-line="1">&lt;/kbd&gt;</span>,'
        '<span class="raw-html" data-line="1">&lt;br&gt;</span>\n'
        '<span class="raw-html" data-line="2">&lt;div align=&quot;center&quot;&gt;</span></p>\n'
        '<h3>A <span class="raw-html" data-line="4">&lt;sup&gt;</span>2<span class="raw-html" data-line="4">&lt;/sup&gt;</span> heading</h3>\n'
    )
    # Read as the text it is, as before: by search, a summary, a heading's id.
    assert html_to_text(html) == 'Press <kbd>Ctrl</kbd>,<br> <div align="center"> A <sup>2</sup> heading'
    assert with_heading_ids(html).count('id="a-sup-2-sup-heading"') == 1
    # An image's alt text is its text, the tags in it too.
    assert make_markdown()("![a <b>plot</b>](p.png)") == '<p><img src="p.png" alt="a &lt;b&gt;plot&lt;/b&gt;" /></p>\n'


@pytest.mark.parametrize("text", [
    "`<b>x</b>` and ``<br>``", "```\n<br>\n```", "    <kbd>x</kbd>", "$<b>$ and $$<br>$$",
    "<https://x.org> and <me@x.org>", "a < b > c, <3, x<y", "\\<b>", "<!-- hidden --> and <!-- x\n\ny -->",
    # Tags to CommonMark, but written to be read as they are: a type, a model's tokens.
    "List<int>, Map<K, V>", "<EOS>, <think>, <s>[INST]</s>, <|endoftext|>",
    # A multimodal model's tokens, named as elements that show nothing bare.
    "<image>, <video>, <audio>speech.wav</audio>, <img>pic.jpg</img>, <img/>, <iframe>",
    # No tag: "<b" left open, a name that does not start with a letter.
    "<b and <1b>", "< b>",
])
def test_what_is_no_html_tag_or_no_elements_is_shown_as_before(text):
    assert "raw-html" not in make_markdown()(text)


def test_html_tags_shown_as_written_are_one_warning_per_element_and_file_at_its_first_line():
    note = (
        "Press `<br>`, <kbd>Ctrl</kbd> and `<kbd>` here.\n\n" + "A line<br>\n" * 9
        + '\n<details>\n<summary>More</summary>\n\nx<sup>2</sup> and <img\n  src="plot.png" alt="A plot">\n\n</details>\n'
    )
    path = Path("content/papers/a.md")
    warnings = html_shown_as_text([("papers/a/", make_markdown()(note), path, NOTES_LINE)])
    assert [str(warning) for warning in warnings] == [
        "content/papers/a.md:7: HTML tag <kbd> is shown as written, not as HTML: what you write is Markdown "
        "(for a key, write it in backticks: `Ctrl`)",
        "content/papers/a.md:9: HTML tag <br> is shown as written, not as HTML, here and on lines 10, 11, 12, 13, 14 "
        "and 3 more: what you write is Markdown (to break the line there, end it with a backslash, \\)",
        "content/papers/a.md:19: HTML tag <details> is shown as written, not as HTML, here and on line 25: what you "
        "write is Markdown (for a folded section, write a folded callout: > [!note]- Title, its lines below each "
        "starting with >)",
        "content/papers/a.md:20: HTML tag <summary> is shown as written, not as HTML: what you write is Markdown "
        "(for a folded section, write a folded callout: > [!note]- Title, its lines below each starting with >)",
        "content/papers/a.md:22: HTML tag <sup> is shown as written, not as HTML: what you write is Markdown "
        "(Markdown has no superscript: in math, write $x^{2}$; in text, write it without the tags: x², 1st)",
        "content/papers/a.md:22: HTML tag <img> is shown as written, not as HTML: what you write is Markdown "
        "(for an image, write ![A plot](plot.png))",
    ]
    assert html_shown_as_text([("papers/a/", make_markdown()("`<br>` and a<b"), path, NOTES_LINE)]) == ()


def test_what_is_shown_as_written_is_marked_with_its_line_in_a_callout_a_footnote_a_table_and_a_formula():
    """Each line the parser's own: a callout's body starts below its title's
    line, an inline footnote on the line of its "^[", a display formula's
    TeX on the line below its "$$"."""
    html = make_markdown()(
        "> [!note] A <b>\n> and <i>\n\nThen\n^[a\nfootnote <sup>] and\n<kbd>\n\n| a |\n|---|\n| <br> |\n\n$$\n\\foo\n$$\n"
    )
    assert re.findall(r'data-line="([0-9]+)">(?:&lt;)?([a-z$]+)', html) == [
        ("1", "b"), ("2", "i"), ("7", "kbd"), ("11", "br"), ("14", "$$"), ("6", "sup"),
    ]


@pytest.mark.parametrize("before", [
    "Use `x = '<br>'` to break it.", "```html\nA<br>\n```", "    A<br>", "$$a<br>b$$", "<!-- A<br> -->",
    "[[a|x<br>y]]", "title: Why <br> breaks",
])
def test_an_html_tags_line_is_not_that_of_the_same_text_earlier_where_it_is_no_tag(before):
    """Found by its text alone, it took the line of the same characters in
    code, math, a comment, an alias or the front matter before it."""
    front_matter = before if before.startswith("title:") else "title: A"
    note = f"{'' if before == front_matter else before}\n\nThen\n\nA<br>b\n"
    text = f"---\n{front_matter}\n---\n\n## Notes\n\n" + note
    (warning,) = html_shown_as_text(
        [("papers/a/", make_markdown()(note), Path("a.md"), NOTES_LINE)],
    )
    assert warning.line == text.splitlines().index("A<br>b") + 1


def test_a_br_in_a_table_cell_is_not_told_to_end_its_line_with_a_backslash():
    """A table's row is one line: the backslash the hint asked for broke nothing."""
    def hint(note: str) -> str:
        (warning,) = html_shown_as_text([("papers/a/", make_markdown()(note), Path("a.md"), 1)])
        return warning.hint

    in_cells = "a table's cell is one line in Markdown, with no break in it: part what it says with a comma or a semicolon"
    table = "| lr | batch |\n|---|---|\n| 3e-4 | 256<br>per GPU |\n"
    assert hint(table) == hint("| a<br>b |\n|---|\n") == in_cells
    # One outside a cell too: what it says for that one, the cells' next time.
    line = "A line<br>\nand the next.\n"
    assert hint(f"{line}\n{table}") == hint(f"{table}\n{line}") == "to break the line there, end it with a backslash, \\"


@pytest.mark.parametrize(("tag", "instead"), [
    ("<b>", "for bold, write **text**"),
    ("</em>", "for italics, write *text*"),
    ("<code>", "for code, write it in backticks: `code`"),
    ("<mark>", "for a highlight, write ==text=="),
    ("<sub>", "Markdown has no subscript: in math, write $x_{i}$; in text, write it without the tags: H₂O, x_i"),
    ("<a href='https://x.org' title=x>", "for a link, write [text](https://x.org)"),
    ("<img src=plot.png>", "for an image, write ![what it shows](plot.png)"),
    ("<H2>", "for a heading, write ## Title on a line of its own"),
    ("<div align=\"center\">", "say it in Markdown if Markdown has a way, or put the tag in backticks to show it as code: `<div>`"),
])
def test_an_html_tag_shown_as_written_says_what_to_write_in_markdown_instead(tag, instead):
    assert instead_of(tag) == instead


@pytest.mark.parametrize(("text", "shown"), [
    ("Seed 3 %%ask the authors why%% of 5.", "<p>Seed 3  of 5.</p>"),
    ("Seed 3 <!-- ask the authors --> of 5.", "<p>Seed 3  of 5.</p>"),
    ("Before\n\n%%\nA draft\n\nover two paragraphs\n%%\nAfter", "<p>Before</p>\n<p>After</p>"),
    ("Before\n\n<!--\n- a list\n\n- kept out\n-->\n\nAfter", "<p>Before</p>\n<p>After</p>"),
    ("- one %%x%%\n- two\n  %%\n  hidden\n  %%\n\n> %% q %%\n> quoted",
     "<ul>\n<li>one </li>\n<li>two</li>\n</ul>\n<blockquote>\n<p>quoted</p>\n</blockquote>"),
    ("## Setup %%todo%%", '<h3>Setup </h3>'),
    # A heading of only a comment is left out, not an empty heading (Nu: "Empty heading"); "##" alone stays one.
    ("## %% draft %%\n\n### <!-- a --> %%b%%\n\nText\n\n##", "<p>Text</p>\n<h3></h3>"),
    # "<!-->" and "<!--->" are whole comments, empty, as HTML and CommonMark read them: the next "-->" hid the notes up to it.
    ("a <!--> b <!---> c\n\n<!-->\n\nKept.\n\n<!-- x -->", "<p>a  b  c</p>\n<p>Kept.</p>"),
    # Left open, it is text: a stray one hides nothing after it.
    ("Open %% for ever\n\nand <!-- ever", "<p>Open %% for ever</p>\n<p>and &lt;!-- ever</p>"),
    # In code, text; "5%" and "100%%" too.
    ("`%% a %%` `<!-- b -->`, 5% and 100%% sure", "<p><code>%% a %%</code> <code>&lt;!-- b --&gt;</code>, 5% and 100%% sure</p>"),
    ("```\n%% c %%\n<!-- d -->\n```", "<pre><code>%% c %%\n&lt;!-- d --&gt;\n</code></pre>"),
], ids=["obsidian", "html", "obsidian-block", "html-block", "in-a-list-and-a-quote", "heading", "heading-of-comments",
        "empty-html", "open", "code", "fence"])
def test_comments_are_not_shown_as_obsidian_and_markdown_sites_hide_them(text, shown):
    """They were raw HTML, and text: a note's private remark was published."""
    assert make_markdown()(text).strip() == shown


@pytest.mark.parametrize(("text", "shown"), [
    ("> [!note] Check the seed\n> Reran with $s=3$ twice",
     '<div class="callout callout-note">\n<p class="callout-title">Check the seed</p>\n<p>Reran with <math>'),
    ("> [!WARNING]\n> Leaks the test set.",
     '<div class="callout callout-warning">\n<p class="callout-title">Warning</p>\n<p>Leaks the test set.</p>\n</div>'),
    ("> [!tip]- Folded\n> Hidden.\n>\n> More.",
     '<details class="callout callout-tip">\n<summary class="callout-title">Folded</summary>\n<p>Hidden.</p>\n'
     "<p>More.</p>\n</details>"),
    ("> [!faq]+ Open\n> - a", '<details class="callout callout-faq" open="">\n<summary class="callout-title">Open</summary>\n<ul>'),
    ("> [!info] Outer\n> > [!todo]\n> > inner",
     '<div class="callout callout-info">\n<p class="callout-title">Outer</p>\n<div class="callout callout-todo">\n'
     '<p class="callout-title">Todo</p>\n<p>inner</p>\n</div>\n</div>'),
    # A fold whose title holds a link is open, not a <summary> a screen reader does not reach the link in.
    ("> [!tip]- See [the paper](https://x.org)[^1]\n> Hidden.\n\n[^1]: Its appendix.",
     '<div class="callout callout-tip">\n<p class="callout-title">See <a href="https://x.org">the paper</a><sup class="footnote-ref">'),
    ("> [!tip]+ See [[other]]\n> Shown.", '<div class="callout callout-tip">\n<p class="callout-title">See <a href="/papers/other/"'),
    # A quote's later line, and one in code, are no callout.
    ("> A quote\n> [!note] not first", "<blockquote>\n<p>A quote\n[!note] not first</p>\n</blockquote>"),
    ("```\n> [!note] code\n```", "<pre><code>&gt; [!note] code\n</code></pre>"),
], ids=["titled", "untitled", "folded", "open", "nested", "folded-link-in-title", "open-wikilink-in-title", "not-first", "code"])
def test_an_obsidian_callout_is_a_box_with_its_title_not_a_quote_showing_its_marker(text, shown):
    """As a quote, "[!note] Check the seed" ran into the callout's first line."""
    assert shown in make_markdown()(text)


@pytest.mark.parametrize(("text", "shown"), [
    ("The ==key result==, in ==**bold**== too.", "<p>The <mark>key result</mark>, in <mark><strong>bold</strong></mark> too.</p>"),
    ("## A ==marked== heading\n\n[==linked==](https://x.org/?a==b)",
     '<h3>A <mark>marked</mark> heading</h3>\n<p><a href="https://x.org/?a==b"><mark>linked</mark></a></p>'),
    # Not opened or closed next to text, one "=" or three, in code and math: as written.
    ("a == b, x ==, =one= and ===three===", "<p>a == b, x ==, =one= and ===three===</p>"),
    ("`==code==` and $a == b$", "<p><code>==code==</code> and <math>"),
], ids=["marked", "heading-and-link", "not-a-highlight", "code-math"])
def test_an_obsidian_highlight_is_marked_text_not_its_equals_signs(text, shown):
    assert make_markdown()(text).startswith(shown)


def test_in_a_tables_math_a_norm_is_written_vert_for_the_tables_bar_is_the_cells():
    """As docs/content.md says: in a cell, "\\|" is the table's "|" (GitHub's and Obsidian's reading)."""
    html = make_markdown()("| norm |\n|---|\n| $\\Vert x \\Vert_2$ and $\\|y\\|$ |")
    first, second = re.findall(r"<math>.*?</math>", html)
    assert first.count(">‖</mo>") == 2 and second.count(">|</mo>") == 2


# What HTML forbids a page to hold (and XML a feed): controls but tab, line
# ends and form feed, and the noncharacters U+FFFE and U+FFFF.
FORBIDDEN_IN_HTML = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@pytest.mark.parametrize(("text", "shown"), [
    ("Pasted from a terminal: \x1b[31mred\x1b[0m, a bell\x07, It\u00e2\x80\x99s, one\x0bword, \ufffe end.",
     "Pasted from a terminal: [31mred[0m, a bell, Itâs, one word, end."),
    ("## Pasted \x1b[1m*in*\x1b[0m a heading\x07\n\n- a\x1fb ~~c\x85d~~ [l\x01](https://x.org/\x02) `e\x03`",
     "Pasted [1min[0m a heading a b c d l e"),
], ids=["plain", "markdown"])
def test_control_characters_no_page_can_hold_are_left_out_and_those_between_words_are_spaces(text, shown):
    # A note pasted from a terminal or a PDF reached every page, the search
    # index and the JSON-LD with them (a title with one is an error at its line).
    html = make_markdown()(text)
    assert not FORBIDDEN_IN_HTML.search(html), html
    assert html_to_text(html) == shown


def test_markdown_links_bare_urls_without_trailing_full_stop():
    html = make_markdown()("Code at https://github.com/a/b.")
    assert '<a href="https://github.com/a/b" class="bare-address">https://github.com/a/b</a>.' in html


def test_a_link_whose_text_is_its_address_is_marked_so_that_print_does_not_write_the_address_twice():
    # A printed page writes the address of a link out after its text (style.css).
    html = make_markdown()("[the paper](https://x.org/p), https://x.org/a and <https://x.org/b>.")
    assert re.findall(r'<a href="([^"]+)"( class="bare-address")?>', html) == [
        ("https://x.org/p", ""), ("https://x.org/a", ' class="bare-address"'), ("https://x.org/b", ' class="bare-address"'),
    ]


def test_digest_text_shows_what_markdown_would_take_for_markup_as_the_digest_wrote_it():
    abstract = (
        "A bilingual 8*16B model answers the `where' and ``question'' cases with **TheoremLlama**, "
        "a_b_c and <b>tags</b> & more, reaching 87.73\\% on [1]."
    )
    assert make_digest_text()(abstract) == (
        "<p>A bilingual 8*16B model answers the ‘where’ and “question” cases with **TheoremLlama**, "
        "a_b_c and &lt;b&gt;tags&lt;/b&gt; &amp; more, reaching 87.73% on [1].</p>\n"
    )
    assert re.search("<em>|<code>|<strong>", make_markdown()(abstract))  # what the digests' papers used to get


@pytest.mark.parametrize("text, shown", [
    ("as ``knowledge overshadowing'': when", "as “knowledge overshadowing”: when"),
    ('other ``mainstream" languages', "other “mainstream” languages"),
    ("the `where' and `how' questions", "the ‘where’ and ‘how’ questions"),
    ("`what to align with' has not", "‘what to align with’ has not"),
    ("`don't guess' here", "‘don't guess’ here"),
    ("a lone ` and the LLMs' own", "a lone ` and the LLMs' own"),
    ("`` spaced '' stays", "`` spaced '' stays"),
])
def test_digest_text_shows_latex_quotes_as_the_quotes_they_stand_for(text, shown):
    assert tex_quotes(text) == shown
    assert make_digest_text()(text) == f"<p>{escapeHtml(shown)}</p>\n"


def test_digest_text_links_addresses_with_a_scheme_and_takes_no_name_for_one():
    html = make_digest_text()(
        "Code at https://github.com/a/b. See methods.In and arxiv.org, pass@1 and a@b.org, page.https://c.d/e."
    )
    assert re.findall("<a [^>]*>[^<]*</a>", html) == [
        '<a href="https://github.com/a/b" class="bare-address">https://github.com/a/b</a>',
        '<a href="https://c.d/e" class="bare-address">https://c.d/e</a>',
    ]


def test_digest_text_ends_an_address_at_a_latex_brace_as_the_links_list_does():
    html = make_digest_text()("Code: https://github.com/x/LaRA{https://github.com/x/LaRA}.")
    assert re.findall('href="([^"]*)"', html) == ["https://github.com/x/LaRA", "https://github.com/x/LaRA"]


# One paragraph as a digest gives it: no Markdown markup but backslash
# escapes, no block start, no line break; addresses with and without a
# scheme, whole ones and escapes after a space. (Where an address runs into
# the next or into an escape, as in "https://a.b(https://c.d)" or
# "https://a.b\\%", Markdown's two linkify rules end it in ways that depend on
# which rule comes first; digest text links left to right and ends an
# address at a backslash.)
DIGEST_TEXT = st.lists(
    st.sampled_from([
        "word", "Word", "ü", "π", " ", ".", ",", "'", '"', "$", "(", ")", "3", "-", "+", "#", "=", "%", " \\%",
        " \\#", ":", "/", "//", "://", " http://a.b", " https://x.org/a_b", "http:", "x.com", " ftp://f.g/h.",
        "mailto:", "https", "HTTP", "ftp", "ab+", "é", ";", "\u00a0", " (https://q.r/s)",
    ]),
    max_size=30,
).map(lambda parts: " ".join(("Text " + "".join(parts)).split()))


@settings(max_examples=3000, deadline=None)
@given(DIGEST_TEXT)
def test_digest_text_renders_text_without_markup_as_commonmark_links_addresses_with_a_scheme(text):
    commonmark = markdown_parser()
    # Only addresses with a scheme and "://": no names, no "//x.org", no "mailto:".
    commonmark.linkify = EndedAsLinksList(options={"fuzzy_link": False, "fuzzy_email": False}).add("//", None)
    commonmark.linkify.add("mailto:", None)
    # Nor math, comments, highlights or tags: a digest's "$5", "$x$", "%%", "==" and "#1" are as it wrote them.
    commonmark.disable(["math_inline", "math_block", "comment_inline", "comment_block", "highlight", "inline_tag"])
    assert make_digest_text()(text) == commonmark.render(text)


def test_notes_end_an_address_where_the_links_list_does():
    text = "Code (in https://github.com/x/y.) and [https://x.org/a!] and (x.com.), (https://w.org/A_(b).)"
    html = make_markdown()(text)
    assert re.findall('href="([^"]*)"', html) == [
        "https://github.com/x/y", "https://x.org/a", "http://x.com", "https://w.org/A_(b)",
    ]
    assert "https://github.com/x/y</a>.) and [<a" in html and "x.com</a>.)," in html


def test_digest_text_ends_an_address_where_the_links_list_does():
    text = (
        "Code is available (in https://github.com/Facico/Dynamic-Logit-Fusion.) and at https://x.org/a;. "
        "See **https://github.com/x/y**."
    )
    html = make_digest_text()(text)
    assert re.findall('href="([^"]*)"', html) == list(extract_links(text)) == [
        "https://github.com/Facico/Dynamic-Logit-Fusion", "https://x.org/a", "https://github.com/x/y",
    ]
    assert "Dynamic-Logit-Fusion</a>.) and at <a href=\"https://x.org/a\" class=\"bare-address\">https://x.org/a</a>;. See **<a" in html
    assert html.endswith("https://github.com/x/y</a>**.</p>\n")


def test_digest_text_keeps_the_other_versions_and_shows_an_escaped_notes_line_as_written():
    record = PaperRecord(
        title_key("T"), "T", "## Notes", (dt.date(2025, 3, 17),), ((dt.date(2025, 3, 18), "Version *two*."),),
    )
    assert make_digest_text()(record.body) == (
        "<p>## Notes</p>\n<h3>Other versions of the abstract</h3>\n<h4>As of 2025-03-18</h4>\n<p>Version *two*.</p>\n"
    )


def test_the_other_versions_nest_under_the_abstracts_heading_as_digest_text_and_once_edited_as_markdown():
    record = PaperRecord(title_key("T"), "T", "Version one.", (dt.date(2025, 3, 17),), ((dt.date(2025, 3, 18), "Two."),))
    headings = "<h3>Other versions of the abstract</h3>\n<h4>As of 2025-03-18</h4>\n"
    assert headings in make_digest_text()(record.body)
    assert headings in make_markdown()(record.body.replace("Version one.", "Version one,\nedited."))


@pytest.mark.parametrize("text", [
    "Two\nlines", " Indented", "A\n\n## A heading\n\nB", "A\n\n## Other versions of the abstract\n\nNo date",
    "A\n\n## Other versions of the abstract\n\n### As of 2025-03-18",
])
def test_digest_text_leaves_text_ingest_did_not_write_to_markdown(text):
    assert make_digest_text()(text) is None


LINKISH_TEXT = st.text(
    alphabet=st.sampled_from(list("ab.:/@ wxhtpsmailocomrgf12390-_<>|()[]'\"\u00a0\uff5c\u0440\u0444K\u212a\u017f")),
    max_size=40,
)


# Text made of what plain abstracts hold and of everything that makes Markdown
# more than plain paragraphs: markup characters, block starts, spaces at line
# ends, blank and whitespace-only lines, Unicode spaces, entities and links.
MARKDOWNISH_TEXT = st.lists(
    st.sampled_from([
        "word", "Word", "ü", "π", " ", " ", "  ", "\n", "\n", "\n\n", "\n \n", ".", ",", "'", '"', "$", "(", ")",
        "3", "1.", "2)", "-", "+", "*", "_", "#", "=", ">", "<", "&", "&amp;", "`", "~", "|", "[", "]", "!", "\\",
        "\t", "\u00a0", "\u2028", "\r", "\x00", "x.com", "http://a.b", "@", "---", "===", "//", "~~", "http:",
        "old.example.com", "[[", "]]", "[[x|y]]",
    ]),
    max_size=30,
).map("".join)


def stock_parser():
    """Our Markdown parser with linkify-it as it comes, its addresses ended as
    a paper's links: list ends them: the reference for the fast path and for
    QuickLinkify."""
    parser = markdown_parser()
    parser.linkify = EndedAsLinksList()
    return parser


@settings(max_examples=1500, deadline=None)
@given(MARKDOWNISH_TEXT)
def test_markdown_fast_path_renders_what_markdown_it_does(text):
    assert make_markdown()(text) == markdown_html(stock_parser(), text)


def test_markdown_fast_path_sends_every_markup_character_and_unusual_space_to_the_parser():
    sent = {c for c in map(chr, range(0x110000)) if _MARKUP_CHARACTER.search(c)}
    assert sent == set("\\`*_[]<>!&~|$\0") | {c for c in map(chr, range(0x110000)) if re.fullmatch(r"[^\S \n]", c)}


def test_markdown_fast_path_agrees_on_every_shipped_abstract_and_takes_most_of_them():
    texts = [
        path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        for path in sorted(Path("content/papers").glob("*.md"))
    ]
    parser, stock = markdown_parser(), stock_parser()
    parsed: list[str] = []

    def parse(text: str) -> str:
        parsed.append(text)
        return parser.render(text)

    assert [_render_markdown(parse, parser.linkify.pretest, text) for text in texts] == [
        stock.render(text) for text in texts
    ]
    assert 0 < len(parsed) < len(texts) / 2


# A piece of a paragraph can hold a link that the whole paragraph's pretest
# rules out (its separators differ): the pretest must say no there too.
PIECE_LINKS = [
    "Use `x//y` for floor division; the mirror ~~old.example.com~~ is gone.", "_//example.abc_",
    "`x`//example.abc", "x~~s~~//example.abc", "1//2 and example.com~~x~~", "3//4 and see example.com`x`",
]


@pytest.mark.parametrize("text", PIECE_LINKS)
def test_markdown_links_what_stock_linkify_it_links_in_pieces_of_a_paragraph(text):
    assert make_markdown()(text) == markdown_html(stock_parser(), text)
    assert markdown_html(markdown_parser(), text) == markdown_html(stock_parser(), text)


LINK_SHAPES = [
    "see http://x.org", "x(http://a.b)", "mail me@host.org", "www.site", "go to a.com now", "localhost:8080",
    "ip 10.0.0.1", "//cdn.example/x", "e.g. 3.5 points", "\uff5chttps://a.b", "_http://a.b", "mailto:x@y",
    "FTP://A.B", "xn--d1acufc.xn--p1ai", "сайт.рф", "end.", "", "no links here at all",
]


@settings(max_examples=300, deadline=None)
@given(st.one_of(LINKISH_TEXT, st.sampled_from(LINK_SHAPES)))
def test_quick_linkify_agrees_with_linkify_it(text):
    quick, full = QuickLinkify(), LinkifyIt()
    assert quick.pretest(text) == full.pretest(text)
    assert quick.test(text) == full.test(text)


def test_first_characters_of_a_pattern_or_none_when_not_simple():
    assert _first_characters(r"@|http:|\.\d|(?:\.(?:com|org))") == ".@Hh"
    for pattern in ("a|b*", r"\d|a", "[ab]c", "x|", "(?:a)b|c", ".x", "a?b"):
        assert _first_characters(pattern) is None, pattern
    # Character classes hide no alternatives, however they end.
    assert _first_characters(r"a[\\]|b[c]") == "ABab"
    assert _first_characters(r"a[]|]|b|c[^]|]") == "ABCabc"


def test_quick_linkify_agrees_on_every_shipped_abstract():
    quick, full = QuickLinkify(), LinkifyIt()
    abstracts = [
        path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        for path in sorted(Path("content/papers").glob("*.md"))
    ]
    assert len(abstracts) > 300
    assert [quick.pretest(text) for text in abstracts] == [full.pretest(text) for text in abstracts]
    assert [quick.test(text) for text in abstracts] == [full.test(text) for text in abstracts]
    assert any(quick.test(text) for text in abstracts) and not all(quick.pretest(text) for text in abstracts)
