"""TeX math in what you write ($x^2$, $$…$$) as MathML, which browsers lay out
themselves: no script and no font on the page. The converter, math-core (MathML
Core, the part of MathML that Chromium, Firefox and Safari all render), is
loaded at the first formula: a site without math never imports it."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable, Sequence

from markdown_it.common.utils import escapeHtml

from .errors import SourceError
from .source_lines import DATA_LINE, data_line, shown_at_lines


# The class of a formula shown as the TeX it was written in, because it is
# not math that the converter knows; read back here for the build's warning.
MATH_ERROR = "math-error"

# math-core recurses as formulas nest: 8,000 nested braces overflowed its
# stack and ended the whole build without a word; 4,000 were fine. A
# formula this long nests 2,500 deep at most, and no note needs more.
LONGEST_FORMULA = 5_000


# A formula as the page holds it, with its TeX (the annotation the converter
# writes): where MathML is not read, the TeX stands for it.
MATHML = re.compile(r'<math\b([^>]*)>.*?<annotation encoding="application/x-tex">(.*?)</annotation>.*?</math>', re.DOTALL)


def as_tex(html: str) -> str:
    """``html`` with each formula as its TeX between dollar signs (``$$`` for
    one shown as a block), as it was written: a feed reader that drops
    MathML's tags showed "x2x^2" for $x^2$, its letters and its TeX run together."""
    return MATHML.sub(_written_as_tex, html) if "<math" in html else html


def _written_as_tex(found: re.Match[str]) -> str:
    marks = "$$" if 'display="block"' in found.group(1) else "$"
    return f"{marks}{found.group(2)}{marks}"


@dataclass(frozen=True)
class Unshown:
    """A formula the converter refused, and why, in its words."""

    reason: str


def mathml_of(formulas: Sequence[tuple[str, bool]], id_prefix: str) -> list[str | Unshown]:
    """For each of one text's ``formulas`` (its TeX, and whether it is shown
    as a block), its MathML with the TeX as its annotation, or why it is not
    math. Converted together, as one document: ``\\eqref`` finds a label in
    another formula, and numbered equations count on across the text. Ids
    (of ``\\label``) start with ``id_prefix``."""
    shown: list[str | Unshown | None] = [
        Unshown(f"it is longer than {LONGEST_FORMULA:,} characters") if len(tex) > LONGEST_FORMULA else None
        for tex, _display in formulas
    ]
    written, formulas = formulas, [(_tagged_as_an_equation(tex) if display else tex, display) for tex, display in formulas]
    converter, refused = _converter(id_prefix)
    # One bad formula fails the whole batch, without saying which: each is
    # then tried alone (a failure does not depend on the others), and the
    # rest converted together again.
    for _ in range(2):
        todo = [index for index, done in enumerate(shown) if done is None]
        try:
            converted = converter.convert_all([formulas[index] for index in todo]) if todo else []
        except refused:
            for index in todo:
                try:
                    converter.convert_with_local_state(formulas[index][0], displaystyle=formulas[index][1])
                except refused as error:
                    shown[index] = Unshown(_plain_reason(str(error)))
            continue
        for index, mathml in zip(todo, converted):
            shown[index] = clean_mathml(mathml)
            if formulas[index] != written[index]:  # its annotation, the TeX as written
                shown[index] = _ANNOTATION.sub(
                    lambda found: f"{found.group(1)}{escapeHtml(written[index][0])}{found.group(2)}", shown[index], count=1,
                )
        break
    # After the converter, whose reason comes first where it has one (two
    # formulas on a line, "$$ x \tag{1} $$ and $$ y \tag{2} $$", are one to it).
    for index, (tex, _display) in enumerate(written):
        if isinstance(shown[index], str) and _tagged_twice(tex):
            shown[index] = Unshown("it has two \\tag for one equation, which has one number")
    return [done if done is not None else Unshown("it could not be converted") for done in shown]


# "$$ E = mc^2 \tag{3} $$", as MathJax (Obsidian's, Jupyter's) and KaTeX show
# it with "(3)" at its right, the converter takes only inside an equation
# environment ("may only appear in a numbered equation environment"): such a
# formula outside one is converted as equation*, numbered by its tag alone.
_TAG = re.compile(r"\\tag\*?\s*\{")
_NUMBERED_ENVIRONMENT = re.compile(r"\\begin\s*\{(?:equation|align|alignat|gather|multline|flalign)\*?\}")
_ANNOTATION = re.compile(r'(<annotation encoding="application/x-tex">).*?(</annotation>)', re.DOTALL)


# A line of a formula ends at "\\" (or TeX's "\cr").
_LINE_END = re.compile(r"\\\\|\\cr(?![A-Za-z])")


def _tagged_twice(tex: str) -> bool:
    """Whether an equation of ``tex`` has two \\tag: the converter numbers it
    by the last and drops the others unsaid, where LaTeX, MathJax and KaTeX
    refuse it ("Multiple \\tag"). Each line of a numbered environment is one
    equation; a formula outside one is one, over all its lines."""
    if len(_TAG.findall(tex)) < 2:
        return False
    equations = _LINE_END.split(tex) if _NUMBERED_ENVIRONMENT.search(tex) else [tex]
    return any(len(_TAG.findall(equation)) > 1 for equation in equations)


def _tagged_as_an_equation(tex: str) -> str:
    if _TAG.search(tex) is None or _NUMBERED_ENVIRONMENT.search(tex) is not None:
        return tex
    return f"\\begin{{equation*}}{tex}\\end{{equation*}}"


@lru_cache(maxsize=64)
def _converter(id_prefix: str) -> tuple[Any, type[Exception]]:
    from math_core import LatexError, LatexToMathML

    return LatexToMathML(annotation=True, fancy_error=False, id_prefix=id_prefix), LatexError


def _plain_reason(message: str) -> str:
    """math-core's message without the offset it starts with ("0: Unknown command…")."""
    return re.sub(r"^\d+: ", "", message.strip()).rstrip(".") or "the converter refused it"


# What the converter writes, and all that reaches the page: MathML Core's
# elements, and in text (\textbf{…}) the HTML it puts there. Anything else is
# dropped, its text kept: a later version of the converter cannot put an
# element or attribute on the page that nobody read. So is \eqref's link: a
# formula is one image to a screen reader, and a link inside it one that
# cannot be reached (axe: nested-interactive); "(1)" stays.
_ELEMENTS = frozenset({
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup",
    "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mprescripts", "none", "mfrac", "msqrt",
    "mroot", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "merror",
    "b", "i", "em", "strong", "u", "s", "code", "span",
})
_ATTRIBUTES = frozenset({
    "display", "displaystyle", "scriptlevel", "mathvariant", "stretchy", "fence", "separator", "lspace",
    "rspace", "form", "accent", "accentunder", "linethickness", "notation", "width", "height", "depth",
    "voffset", "minsize", "maxsize", "movablelimits", "symmetric", "largeop", "encoding", "columnspan",
    "rowspan", "id", "class", "style",
})
# The converter's own classes (its \cancel strokes, \textsf's font), which the stylesheet may draw.
_CONVERTER_CLASS = re.compile(r"(?:menclose|math-core)-[a-z-]+")

# The pages' Content-Security-Policy (style-src 'self') refuses style
# attributes, which the converter uses to align columns (aligned, cases,
# array) and rule tables: each declaration it writes becomes a class the
# stylesheet gives the same look. The rest is dropped: a colour (\color)
# would be unreadable in the other colour scheme, and a font size or a
# margin changes little.
_STYLE_CLASSES = {
    "text-align: left": "math-start", "justify-items: start": "math-start",
    "text-align: right": "math-end", "justify-items: end": "math-end",
    "text-align: center": "math-center", "justify-items: center": "math-center",
    "padding-left: 0": "math-flush-left", "padding-right: 0": "math-flush-right",
    "padding-top: 0": "math-flush-rows", "padding-bottom: 0": "math-flush-rows",
    "padding-left: 1em": "math-gap-left",
    "width: 100%": "math-full-width", "width: 50%": "math-half-width", "width: 7.5%": "math-margin-width",
    "font-variant-caps: small-caps": "math-small-caps",
    **{
        f"border-{side}: 0.05em {line} currentcolor": f"math-{'rule' if line == 'solid' else 'dashed'}-{side}"
        for side in ("top", "right", "bottom", "left") for line in ("solid", "dashed")
    },
}


def clean_mathml(mathml: str) -> str:
    """The converter's MathML with only the elements and attributes above,
    styles as classes, every text and value escaped again, and valid as the
    HTML checker reads MathML (see _attributes)."""
    cleaner = _MathMLCleaner()
    cleaner.feed(mathml)
    cleaner.close()
    return "".join(cleaner.out)


# Where MathML 3, which the HTML checker validates against, allows these; MathML
# Core allows them on every element. Elsewhere an <mstyle> around the element
# holds them, which lays it out the same.
_STYLE_HOLDERS = {"displaystyle": {"math", "mstyle", "mtable"}, "scriptlevel": {"math", "mstyle"}}


class _MathMLCleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[tuple[str, bool]] = []  # each open element, and whether an <mstyle> wraps it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wrapper = self._start(tag, attrs, "")
        self.open.append((tag, wrapper))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._start(tag, attrs, "/"):
            self.out.append("</mstyle>")

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], closed: str) -> bool:
        if tag not in _ELEMENTS:
            return False
        kept = _attributes(tag, attrs)
        moved = {name: kept.pop(name) for name, holders in _STYLE_HOLDERS.items() if name in kept and tag not in holders}
        if moved:
            self.out.append(f"<mstyle{_serialised(moved)}>")
        self.out.append(f"<{tag}{_serialised(kept)}{closed}>")
        return bool(moved)

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            opened, wrapped = self.open.pop()
            if opened in _ELEMENTS:
                self.out.append(f"</{opened}>" + ("</mstyle>" if wrapped else ""))
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(escapeHtml(data))


def _serialised(attributes: dict[str, str]) -> str:
    return "".join(f' {name}="{escapeHtml(value)}"' for name, value in attributes.items())


# A length in rem (\hspace{1cm} is "2.8453rem"), which MathML 3 has not: in em,
# the same at the text's size.
_REM = re.compile(r"(-?[0-9.]+)rem")
# What MathML 3 takes for an id (an XML name): \label{a<b} came as "a%3Cb".
_NOT_IN_A_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def _attributes(tag: str, attrs: list[tuple[str, str | None]]) -> dict[str, str]:
    kept: dict[str, str] = {}
    classes: list[str] = []
    for name, value in attrs:
        value = value or ""
        if name not in _ATTRIBUTES:
            continue
        if name == "style":
            classes += (_STYLE_CLASSES.get(_declaration(part), "") for part in value.split(";"))
        elif name == "class":
            classes += (word for word in value.split() if _CONVERTER_CLASS.fullmatch(word))
        elif name == "id":
            kept[name] = _NOT_IN_A_NAME.sub("-", value)
        else:
            kept[name] = _REM.sub(r"\1em", value)
    named = " ".join(dict.fromkeys(word for word in classes if word))
    if named:
        kept["class"] = named
    return kept


def _declaration(text: str) -> str:
    name, _, value = text.partition(":")
    return f"{name.strip().lower()}: {value.strip().lower()}"


def math_error_html(written: str, reason: str, block: bool = False, line: int | None = None) -> str:
    """A formula that is not shown as math: as it was written, as code,
    saying why to whoever points at it; marked with the ``line`` of the text
    it starts on, if known, for the build's warning."""
    at = data_line(None if line is None else line + _lines_before_tex(written))
    code = f'<code class="{MATH_ERROR}" title="{escapeHtml(reason)}"{at}>{escapeHtml(written)}</code>'
    return f"<pre>{code}</pre>\n" if block else code


def _lines_before_tex(written: str) -> int:
    # Warned of at its first line of TeX: "$$" alone may be any display
    # formula's.
    lines = written.split("\n")
    return next((index for index, line in enumerate(lines) if line.strip("$ ")), 0)


_SHOWN_AS_TEX = re.compile(rf'<code class="{MATH_ERROR}" title="([^"]*)"{DATA_LINE}>[^<]*</code>')


def unshown_math(written: Iterable[tuple[str, str, Path, int]]) -> tuple[SourceError, ...]:
    """A warning for each formula in ``written`` (each: the page's URL, the
    HTML shown there, the file it was written in, the line of the file the
    text starts on) shown as its TeX, at the line where its TeX starts."""
    return tuple(
        SourceError(
            f"math shown as its TeX, not as math: {html.unescape(found.group(1))}", path, line,
            hint="fix the TeX; a dollar sign that starts no formula is written \\$",
        )
        for found, path, line in shown_at_lines(written, MATH_ERROR, _SHOWN_AS_TEX)
    )
