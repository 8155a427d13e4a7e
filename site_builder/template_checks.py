"""Checks of the templates in use, before anything renders: a template of
one's own that no page uses (a misspelt override), a template that extends
itself, and blocks that no template above defines, which would never be
shown."""

from __future__ import annotations

import difflib
from typing import Mapping, Sequence

import jinja2

from .errors import SourceError
from .inputs import editors_file
from .render import (
    BUILTIN_PREFIX, BUILTIN_TEMPLATES, CONTENT_BLOCK, builtin_blocks, builtin_template_names, is_users_template,
    page_templates, template_fingerprints,
)
from .site import Site
from .template_outline import TemplateOutline, template_outline


def unused_templates(env: jinja2.Environment, site: Site) -> tuple[SourceError, ...]:
    """Files in the user's ``templates_dir`` that no page can use: neither a
    page's template nor one it extends, includes or imports, however deep.
    (A misspelt override, "pape.html", is otherwise silently ignored.)"""
    templates_dir = site.config.templates_dir
    if templates_dir is None:
        return ()
    used: dict[str, tuple[str, str | None]] = {}
    template_fingerprints(env, page_templates(site), used)
    # A template in use that includes one by a computed name ({% include part %})
    # may use any: none can be told unused.
    if any(template_outline(env, source, name, filename).names_unknown for name, (source, filename) in used.items()):
        return ()
    builtin = builtin_template_names()
    unused = []
    for path in sorted(templates_dir.rglob("*")):
        name = path.relative_to(templates_dir).as_posix()
        # A built-in name is no misspelling: it replaces that template, which
        # this site may not use (sitemap.xml without a full base_url, sitemap_index.xml
        # below 50,000 URLs).
        if not path.is_file() or any(map(editors_file, name.split("/"))) or name in used or name in builtin:
            continue
        # The file of a built-in in another folder first: "paper_item.html" is the
        # partial put beside the pages, which "paper.html" by spelling is not.
        moved = [other for other in builtin if other.rsplit("/", 1)[-1] == path.name]
        guess = moved or difflib.get_close_matches(name, builtin, n=1)
        unused.append(SourceError(
            "not used: no page's template has this name, or extends, includes or imports it", path,
            hint=f"did you mean {guess[0]}?" if guess else "built-in names: " + ", ".join(builtin),
        ))
    return tuple(unused)


def unshown_blocks(env: jinja2.Environment, site: Site) -> tuple[tuple[SourceError, ...], tuple[SourceError, ...]]:
    """(errors, warnings) for the blocks a template that extends another
    defines but no template above it has, nor shows itself ({{ self.x() }}).
    Jinja shows a child template only through its parent's blocks, so a
    misspelt "{% block mian %}" silently leaves pages without what it
    holds: an error. So does a base.html of one's own without the block the
    built-in pages fill: an error for "main", which holds each page's
    content, a warning for the others (a head without the pages' meta tags
    may be meant). Only the templates pages use are checked, and only with
    a ``templates_dir``: the built-in templates agree with each other (a
    test says so). Templates are parsed once per source text
    (template_outline), so the check costs a reading of each template file."""
    if site.config.templates_dir is None:
        return (), ()
    read, outlines = _outlines_in_use(env, site)
    owned = {name for name, (_source, filename) in read.items() if is_users_template(filename, site.config)}
    base_blocks = builtin_blocks("base.html")
    errors, warnings = [], []
    # A built-in template's block missing from the user's template above it
    # is the user's template's fault: told once, at that file, for all the
    # built-in templates that fill it. (user's template, block) → those.
    unfilled: dict[tuple[str, str], list[str]] = {}
    for name in sorted(outlines):
        errors += _loose_output_errors(outlines[name], read[name][1] or name)
        errors += [SourceError(
            "HTML written as text edits an HTML field (abstract_html, notes_html, body_html), which is Markup: "
            "the text is escaped, and its tags shown as text (or looked for so, by replace)",
            read[name][1] or name, line,
            hint="mark the text as HTML: '<img ' | safe, or (\"<hr>\" | safe) after ~; a template made while "
            "the fields were text edited them as text, then wrote | safe",
        ) for line in outlines[name].html_edits]
        chain = _parent_chain(name, outlines)
        if not chain:
            continue
        shown = {block for parent in chain for block in outlines[parent].blocks}
        called = set().union(*(outlines[template].called_blocks for template in (name, *chain)))
        for block, line in outlines[name].outer_blocks:
            if block in shown or block in called:
                continue
            owners = [parent for parent in chain if parent in owned]
            if owners and name not in owned:
                unfilled.setdefault((owners[-1], block), []).append(name)
                continue
            close = difflib.get_close_matches(block, sorted(shown), n=1)
            # A block the built-in base.html has but the user's has not (a
            # copy of paper.html's "description" under a base.html of one's
            # own) leaves out only that; any other name is a slip of the pen.
            is_error = block == CONTENT_BLOCK or block not in base_blocks or not owners
            (errors if is_error else warnings).append(SourceError(
                f"block {block!r} is not in {_listed(chain, 'or')}, so it is never shown", read[name][1] or name, line,
                hint=f"did you mean {close[0]!r}?" if close else f"blocks there: {', '.join(sorted(shown)) or 'none'}",
            ))
    filled = {block for name in outlines if outlines[name].parent for block, _line in outlines[name].outer_blocks}
    for (owner, block), children in sorted(unfilled.items()):
        # A block of the owner's that no child fills, and that no built-in
        # page fills either, is likely the one misspelt: named at its line.
        unused = sorted(set(outlines[owner].blocks) - filled - set(base_blocks))
        close = difflib.get_close_matches(block, unused, n=1)
        (errors if block == CONTENT_BLOCK else warnings).append(SourceError(
            f"no block {block!r}, so what {_listed(children, 'and')} put in it is never shown", read[owner][1] or owner,
            outlines[owner].blocks[close[0]] if close else None,
            hint=f"did you mean {block!r} for block {close[0]!r}?" if close
            else f"add {{% block {block} %}}{{% endblock %}} where it should be shown",
        ))
    return tuple(errors), tuple(warnings)


def _loose_output_errors(outline: TemplateOutline, path: str) -> list[SourceError]:
    """In a template that extends another, text outside its blocks: Jinja
    drops what comes after the {% extends %} without a word (a paragraph
    meant for every paper's page), and writes what comes before it above
    the page's <!doctype html>, as it does what an {% include %} outside
    them includes, before the {% extends %} or after it. Told at the first
    of each, in the file's order."""
    if outline.extends_line is None:
        return []
    before = outline.loose_output[:outline.loose_before_extends]
    after = outline.loose_output[outline.loose_before_extends:]
    hint = "put it in one of the blocks, which docs/templates.md lists"
    errors = [SourceError(message, path, lines[0], hint=hint + more) for message, lines, more in (
        ("text before {% extends %} is written above the page, before its <!doctype html>", before, TO_YOURSELF),
        ("text outside the blocks of a template that extends another is never shown", after, TO_YOURSELF),
        (
            "{% include %} outside the blocks of a template that extends another writes what it includes above "
            "the page, before its <!doctype html>", outline.loose_includes, "; for its macros, {% import %} it",
        ),
    ) if lines]
    return sorted(errors, key=lambda error: error.line or 0)


TO_YOURSELF = ", or write a note to yourself as {# … #}"


def extends_loops(env: jinja2.Environment, site: Site) -> tuple[SourceError, ...]:
    """An error for each template in use that extends itself, directly or
    through others. The likely one: an override that extends the built-in
    template of its own name by that name, as a MkDocs theme's override
    extends its base; that name finds the override (the built-in one is
    "!paper.html"), and Jinja says only "RecursionError: maximum recursion
    depth exceeded". Only with a ``templates_dir``: the built-in templates
    extend base.html alone."""
    if site.config.templates_dir is None:
        return ()
    read, outlines = _outlines_in_use(env, site)
    errors = []
    for name in sorted(outlines):
        through: list[str] = []
        parent = outlines[name].parent
        while parent in outlines and parent != name and parent not in through:
            through.append(parent)
            parent = outlines[parent].parent
        # Told once a loop, at its first template by name.
        if parent != name or any(other < name for other in through):
            continue
        filename = read[name][1]
        if through:
            message, hint = f"{name} extends itself, through {_listed(through, 'and')}", "make the last of them extend base.html"
        elif (BUILTIN_TEMPLATES / name).is_file() and is_users_template(filename, site.config):
            message = f"{name} extends itself: it replaces the built-in {name}, so that name finds it, not the built-in one"
            hint = f'write {{% extends "{BUILTIN_PREFIX}{name}" %}}, which names the built-in {name} alone'
        else:
            message, hint = f"{name} extends itself", "make it extend base.html"
        errors.append(SourceError(message, filename or name, outlines[name].parent_line, hint=hint))
    return tuple(errors)


def _outlines_in_use(
    env: jinja2.Environment, site: Site,
) -> tuple[dict[str, tuple[str, str | None]], dict[str, TemplateOutline]]:
    """The templates the site's pages use, however deep: each name with its
    (source, file name), and with its outline."""
    read: dict[str, tuple[str, str | None]] = {}
    template_fingerprints(env, page_templates(site), read)
    return read, {name: template_outline(env, source, name, filename) for name, (source, filename) in read.items()}


def _parent_chain(name: str, outlines: Mapping[str, TemplateOutline]) -> tuple[str, ...]:
    """The templates ``name`` extends, nearest first; empty when one of them
    is unknown (not found, or extended by a computed name) or they loop."""
    chain: list[str] = []
    parent = outlines[name].parent
    while parent is not None:
        if parent not in outlines or parent in chain or parent == name:
            return ()
        chain.append(parent)
        parent = outlines[parent].parent
    if chain and outlines[chain[-1]].parent_unknown:
        return ()
    return tuple(chain)


def _listed(names: Sequence[str], conjunction: str) -> str:
    """"a.html", "a.html or b.html", "a.html, b.html and c.html"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conjunction} {names[-1]}"
