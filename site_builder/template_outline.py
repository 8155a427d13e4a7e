"""What a template's parse tells about it without rendering it: the templates
it names, the one it extends, its blocks. Kept per source text, as every
preview rebuild asks it of every template."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Iterator, Mapping

import jinja2
from jinja2 import meta, nodes


# What a template's parse depends on besides its text: the lexer's settings
# (make_environment adds no extensions, which could add tags).
_LEXER_SETTINGS = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
    "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline",
)


@dataclass(frozen=True)
class TemplateOutline:
    """What a template's parse tells about it without rendering it."""

    references: frozenset[str]  # the templates it extends, includes or imports by name
    # Those of them that must be found, each at the line that first names it: not
    # one included "ignore missing", nor one of a list (the first found is used).
    required: Mapping[str, int]
    # It extends, includes or imports a template by a computed name ({% include part %}):
    # which, is known only when rendering, so it may use any template.
    names_unknown: bool
    parent: str | None  # the template it extends, when it extends one named by a constant
    parent_line: int | None  # the line of its {% extends %}, when it has one parent
    # It extends a template known only when rendering: {% extends name %}, or two in an {% if %}.
    parent_unknown: bool
    blocks: Mapping[str, int]  # every block it defines, however deep: name → line
    outer_blocks: tuple[tuple[str, int], ...]  # (name, line) of each block not inside another
    called_blocks: frozenset[str]  # the blocks it shows itself, as {{ self.name() }}
    extends_line: int | None  # the line of its first {% extends %}, if it has one
    # The line of each text or {{ … }} outside any block or macro: in a template
    # that extends another, Jinja writes one before the {% extends %} above the
    # page, and drops one after it.
    loose_output: tuple[int, ...]
    # How many of them come before its first {% extends %} (on its line too: "<!-- x -->{% extends … %}").
    loose_before_extends: int
    # The line of each {% include %} outside any block or macro: in a template
    # that extends another, Jinja writes what it includes above the page,
    # before the {% extends %} or after it.
    loose_includes: tuple[int, ...]
    ids: frozenset[str]  # the ids its text writes (id="main"); not one made by an expression (id="{{ x }}")
    # The line of each edit of an HTML field with HTML written as text
    # (paper.abstract_html | replace("<img ", "<img loading=lazy "), or ~ "<hr>"):
    # the fields are Markup, which escapes that text (see html_edits).
    html_edits: tuple[int, ...]


def template_outline(env: jinja2.Environment, source: str, name: str, filename: str | None) -> TemplateOutline:
    """``source``'s outline. Kept per source text: every preview rebuild
    fingerprints every template, and parsing them all again took a
    twentieth of a second at each."""
    settings = tuple((setting, getattr(env, setting)) for setting in _LEXER_SETTINGS)
    return _parsed_outline(source, name, filename, settings)


@lru_cache(maxsize=256)
def _parsed_outline(
    source: str, name: str, filename: str | None, settings: tuple[tuple[str, Any], ...],
) -> TemplateOutline:
    parsed = jinja2.Environment(**dict(settings)).parse(source, name, filename)
    extends = list(parsed.find_all(nodes.Extends))
    # Two {% extends %} (in an {% if %}) or a computed name: which parent is
    # used is known only when rendering, so no parent is assumed.
    constant = len(extends) == 1 and isinstance(extends[0].template, nodes.Const)
    parent = extends[0].template.value if constant else None  # type: ignore[attr-defined]
    referenced = list(meta.find_referenced_templates(parsed))  # None for a computed name
    loose = list(_loose_output(parsed))
    written = [line for kind, line in loose if kind != "include"]
    return TemplateOutline(
        references=frozenset(ref for ref in referenced if ref),
        required=MappingProxyType(_required_templates(parsed)),
        names_unknown=None in referenced,
        parent=parent if isinstance(parent, str) else None,
        parent_line=extends[0].lineno if constant else None,
        parent_unknown=bool(extends) and not isinstance(parent, str),
        blocks=MappingProxyType({block.name: block.lineno for block in parsed.find_all(nodes.Block)}),
        outer_blocks=tuple((block.name, block.lineno) for block in _outer_blocks(parsed)),
        called_blocks=frozenset(
            node.attr for node in parsed.find_all(nodes.Getattr)
            if isinstance(node.node, nodes.Name) and node.node.name == "self"
        ),
        extends_line=extends[0].lineno if extends else None,
        loose_output=tuple(line for line in written if line is not None),
        loose_before_extends=written.index(None) if None in written else len(written),
        loose_includes=tuple(line for kind, line in loose if kind == "include"),
        ids=frozenset(
            next(value for value in found.groups() if value is not None)
            for data in parsed.find_all(nodes.TemplateData) for found in _ID_ATTRIBUTE.finditer(data.data)
        ),
        html_edits=html_edits(parsed),
    )


# The fields that hold HTML, as Markup (site.as_markup), and the filters
# that give Markup back.
HTML_FIELDS = frozenset({"abstract_html", "notes_html", "body_html"})
_MARKUP_FILTERS = frozenset({"permalinks", "safe"})


def html_edits(parsed: nodes.Template) -> tuple[int, ...]:
    """The lines that edit an HTML field with HTML written as text: a
    | replace or .replace() whose text holds "<" or "&", or such text joined
    with ~. Markup escapes it ("<img " is looked for as "&lt;img "; "<hr>"
    shows as text), where a template made while the fields were text took
    them as text, edited them, then wrote | safe."""
    lines = []
    for node in parsed.find_all((nodes.Filter, nodes.Call, nodes.Concat)):
        if isinstance(node, nodes.Filter) and node.name == "replace" and node.node is not None:
            edited, given = [node.node], node.args
        elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr) and node.node.attr == "replace":
            edited, given = [node.node.node], node.args
        elif isinstance(node, nodes.Concat):
            edited, given = node.nodes, node.nodes
        else:
            continue
        if any(map(_is_html_field, edited)) and any(
            isinstance(text, nodes.Const) and isinstance(text.value, str) and ("<" in text.value or "&" in text.value)
            for text in given
        ):
            lines.append(node.lineno)
    return tuple(sorted(set(lines)))


def _is_html_field(node: nodes.Node) -> bool:
    while isinstance(node, nodes.Filter) and node.name in _MARKUP_FILTERS and node.node is not None:
        node = node.node
    return (isinstance(node, nodes.Getattr) and node.attr in HTML_FIELDS) or (
        isinstance(node, nodes.Name) and node.name in HTML_FIELDS
    )


# An id attribute whose value is all in the template's text: quoted, or
# unquoted and ended there. One that an expression makes or ends
# (id="{{ chart_id }}-title", id=day-{{ key }}) stops where the text does,
# before its quote or end, and is not found.
_ID_ATTRIBUTE = re.compile(r"""(?<![\w:-])id\s*=\s*(?:"([^"]+)"|'([^']+)'|([^\s"'=<>`]+)(?=[\s/>]))""")


def _required_templates(parsed: nodes.Template) -> dict[str, int]:
    """Each template ``parsed`` extends, includes or imports by a constant
    name that must exist, at the first line naming it."""
    required: dict[str, int] = {}
    for node in parsed.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        name = node.template.value if isinstance(node.template, nodes.Const) else None  # type: ignore[attr-defined]
        if isinstance(name, str) and not getattr(node, "ignore_missing", False):
            required.setdefault(name, node.lineno)
    return required


def _loose_output(node: nodes.Node) -> Iterator[tuple[str, int | None]]:
    """Each output under ``node`` that no block or macro holds, nor a
    {% set %} that keeps it, as ("text", its line): its first text that is
    not blank, or its first {{ … }}; a {% call %}'s. ("include", its line)
    for an {% include %}; ("extends", None) at each {% extends %}, in the
    order written, which a line cannot tell on the line of one. ({% set %},
    {% import %} and {% from %} write nothing: they are run, and are
    for the blocks.)"""
    for child in node.iter_child_nodes():
        if isinstance(child, (nodes.Block, nodes.Macro, nodes.AssignBlock)):
            continue
        if isinstance(child, nodes.Extends):
            yield "extends", None
        if isinstance(child, nodes.CallBlock):
            yield "text", child.lineno
        elif isinstance(child, nodes.Include):
            yield "include", child.lineno
        elif isinstance(child, nodes.Output):
            for part in child.nodes:
                if not isinstance(part, nodes.TemplateData):
                    yield "text", part.lineno
                    break
                # Not a BOM an editor saved first: Jinja writes it first on the page, where it is the page's BOM.
                text = part.data.removeprefix("\ufeff")
                if text.strip():
                    blank = text[: len(text) - len(text.lstrip())]
                    yield "text", part.lineno + blank.count("\n")
                    break
        else:
            yield from _loose_output(child)


def _outer_blocks(node: nodes.Node) -> Iterator[nodes.Block]:
    """The blocks under ``node`` that are not inside another block: those a
    child template's parent must call. A block inside one is shown with it."""
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.Block):
            yield child
        else:
            yield from _outer_blocks(child)
