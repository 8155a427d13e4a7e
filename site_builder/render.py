"""Jinja: the environment, its filters, and rendering the site model to bytes."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path, PurePath
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import quote
from xml.etree import ElementTree

import jinja2
import jinja2.sandbox
from markupsafe import Markup, escape

from .cache import KeyDigester
from .config import ABSOLUTE_ADDRESS, SiteConfig
from .errors import SourceError, counted, raise_if_any
from .feeds import Feed, FeedEntry, SitemapEntry, absolute_url, as_uri
from .markup import with_permalinks
from .pagination import LetterLink, Pagination
from .parallel import PARALLEL_MIN_ITEMS, fork_map
from .site import DateLink, DateView, MonthView, NavLink, Page, PaperView, Site, TopicLink, TopicView
from .tags import TagLink, TagView
from .template_outline import template_outline
from .watch_paths import within

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def make_environment(config: SiteConfig) -> jinja2.Environment:
    """Templates from the user's ``templates_dir`` first, then the built-in
    ones. With a ``templates_dir``, in Jinja's sandbox: site.yaml names it,
    and content/ may be a repository others write to, whose templates reached
    Python itself (``{{ cycler.__init__.__globals__.os.popen('…') }}`` ran a
    command as the site was built), where a theme of Hugo's or Jekyll's runs
    none. The built-in templates alone are the tool's code, and render half
    as fast sandboxed (every attribute and call checked): they are not."""
    environment = _Sandbox if config.templates_dir is not None else jinja2.Environment
    env = environment(
        loader=_TemplateLoader(config.templates_dir, BUILTIN_TEMPLATES),
        autoescape=True,
        # A typo in a template variable is an error, not an empty string on the page.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Each build makes its own environment, and its templates do not
        # change under it: no stat of the template file on every page.
        auto_reload=False,
        finalize=_printable,
    )
    base_path = config.base_path

    def url(path: str) -> str:
        path = _site_path("url", path)
        return path if ABSOLUTE_ADDRESS.match(path) else base_path + path.lstrip("/")

    def absolute(path: str) -> str:
        path = _site_path("absolute", path)
        return path if ABSOLUTE_ADDRESS.match(path) else absolute_url(config, path)

    env.filters["url"] = url
    env.filters["number"] = _number
    env.filters["absolute"] = absolute
    env.filters["uri"] = as_uri
    env.filters["href"] = quote_href
    env.filters["without_none"] = _without_none
    env.filters["permalinks"] = _permalinks
    env.filters["merged_csp"] = _merged_csp
    env.globals["site"] = config
    env.globals["paper_item"] = _paper_items(env)
    return env


class _Sandbox(jinja2.sandbox.SandboxedEnvironment):
    """Jinja's sandbox, which keeps a template out of Python's internals, and
    out of the file system too: a path it is given (``site.templates_dir``)
    shows as text, but none of its methods is there to call, of which
    ``read_text`` and ``write_text`` read and wrote any file."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return super().is_safe_attribute(obj, attr, value) and not (isinstance(obj, PurePath) and callable(value))


# A template name that always means the built-in template, never one of the
# user's that replaces it: "!paper.html" in one's own paper.html, as Sphinx
# writes {% extends "!layout.html" %} (Pelican: "!simple/base.html").
BUILTIN_PREFIX = "!"


def builtin_template_names() -> list[str]:
    """The built-in templates' names, as a loader names them ("partials/pager.html")."""
    return jinja2.FileSystemLoader(BUILTIN_TEMPLATES).list_templates()


def builtin_blocks(name: str) -> Mapping[str, int]:
    """The blocks the built-in template ``name`` defines (robots.txt has none): name → line."""
    path = BUILTIN_TEMPLATES / name
    # The lexer's defaults: make_environment's settings change no block's name.
    return template_outline(jinja2.Environment(), path.read_text(encoding="utf-8"), name, str(path)).blocks


# The block of base.html that holds each page's own content.
CONTENT_BLOCK = "main"


class _TemplateLoader(jinja2.FileSystemLoader):
    """The user's templates, then the built-in ones; a name with
    :data:`BUILTIN_PREFIX` is looked up among the built-in ones alone, for
    extends, include and import alike.

    A template that is not UTF-8 is an error with its file and line
    wherever it is read: one included by a computed name is read only as a
    page renders, where Jinja's UnicodeDecodeError names neither. So is a
    template of the user's that is a link out of the ``templates_dir``:
    included, it put the file it leads to (``~/.ssh/id_ed25519``) in a page."""

    def __init__(self, users: Path | None, builtin: Path) -> None:
        super().__init__([str(users), str(builtin)] if users is not None else [str(builtin)])
        self.users = jinja2.FileSystemLoader([str(users)] if users is not None else [])
        self.builtin = jinja2.FileSystemLoader(str(builtin))
        self.users_dir = os.path.realpath(users) if users is not None else None

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            if template.startswith(BUILTIN_PREFIX):
                return self.builtin.get_source(environment, template[len(BUILTIN_PREFIX):])
            source, filename, uptodate = super().get_source(environment, template)
        except jinja2.TemplateNotFound:
            raise jinja2.TemplateNotFound(template) from None  # its name as written, with the prefix
        except UnicodeDecodeError as error:
            raise SourceError(
                f"template {template!r} is not valid UTF-8: {error.reason}", _template_file(self, template),
                error.object[: error.start].count(b"\n") + 1, hint="save the file as UTF-8",
            ) from None
        users = self.users_dir
        if users is not None and within(filename, users) and not within(os.path.realpath(filename), users):
            link = _link_out(filename, users)
            raise SourceError(
                f"template {template!r} is {'a link' if link == filename else 'in a folder that is a link'} out of "
                f"the templates_dir, to {os.readlink(link)!r}", link,
                hint="copy the template into the templates_dir: a link from a repository others write to "
                "could put any file of this computer, a key or a token, in a page",
            )
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        """Every name a template can be found by: each built-in one that a
        template of the user's replaces is found by its prefixed name too."""
        replaced = set(self.users.list_templates()) & set(self.builtin.list_templates())
        return sorted(super().list_templates() + [BUILTIN_PREFIX + name for name in replaced])


class FilterError(jinja2.TemplateRuntimeError):
    """A filter given a value it cannot use, or a value no page can show,
    said in the template's terms with how to fix it (render_page adds the
    template's file and line)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


class StaticFiles(dict):
    """``assets``: each file of static/ by name → the path it is published
    at. A name no file has is undefined, as a dict's is (``is defined`` and
    ``default`` work), but used it is an error in the template's terms,
    with the closest name, not Jinja's "'dict object' has no attribute"."""

    def __missing__(self, name: object) -> jinja2.Undefined:
        close = difflib.get_close_matches(str(name), list(self), n=1)
        hint = (
            (f"did you mean {close[0]!r}? " if close else "")
            + f"for a file of content/public/, write {{{{ {str(name)!r} | url }}}}; "
            + f"for one that may be missing, {{% if {str(name)!r} in assets %}}"
        )
        # Undefined raises its exception with its hint as the message, on every use.
        return jinja2.StrictUndefined(
            hint=f"no file {str(name)!r} in static/ for assets", name=str(name), exc=partial(FilterError, hint=hint),
        )


def _site_path(filter_name: str, value: Any, what: str = "a site path") -> str:
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()  # a misspelt variable: the usual undefined-variable error
    if not isinstance(value, str):
        raise FilterError(
            f"{filter_name} needs {what}, got {_described(value)}",
            hint="give it text such as 'topics/' or paper.url, and wrap it in {% if %} where it may be missing",
        )
    return value


def _printable(value: Any) -> Any:
    """What ``{{ … }}`` writes, as it is; but a function written without its
    brackets (``{{ super }}``, ``{{ paper.title.upper }}``) is an error, where
    Jinja wrote "<jinja2.runtime.BlockReference object at 0x7f…>" into every
    page, an address that also made each build's bytes differ from the last's."""
    if not callable(value) or isinstance(value, jinja2.Undefined):  # Undefined is callable, to fail when called
        return value
    if isinstance(value, jinja2.runtime.BlockReference):  # super, self.footer
        raise FilterError(
            f"the block {value.name!r} itself is written here, not what it holds",
            hint=f"call it, with its brackets: {{{{ super() }}}} or {{{{ self.{value.name}() }}}}",
        )
    kind, name = ("macro", value.name) if isinstance(value, jinja2.runtime.Macro) else (
        "function", getattr(value, "__name__", type(value).__name__))
    raise FilterError(
        f"the {kind} {name!r} itself is written here, not what it gives",
        hint=f"call it, with its brackets: {name}(…)",
    )


def _without_none(mapping: Mapping[str, Any]) -> dict[str, Any]:
    # What dict(mapping | items | rejectattr(1, "none")) gives, in a microsecond
    # instead of twelve: every paper page asks (0.24 s of CPU at 20,000 papers).
    return {key: value for key, value in mapping.items() if value is not None}


def _number(value: Any, noun: str = "", plural: str = "") -> str:
    """20,000, not 20000, and with a ``noun`` "1 paper" or "20,000 papers"
    (``plural`` for a noun that does not add "s": number('category',
    'categories')); a misspelt variable stays the usual undefined-variable error."""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise FilterError(
            f"number needs a number, got {_described(value)}",
            hint="for text that holds a number, write | int | number" if isinstance(value, str)
            else "give it a count, such as papers | length",
        )
    return counted(value, noun, plural) if noun else f"{value:,}"


def _described(value: Any) -> str:
    """A value a filter could not use, as a template's author knows it."""
    if value is None or isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return f"the text {value!r}"
    kind = type(value)
    known = _TEMPLATE_VALUES.get(f"{kind.__module__}.{kind.__qualname__}")
    if known is not None:
        return known[0]
    return f"{'an' if kind.__name__[0] in 'aeiou' else 'a'} {kind.__name__}"


def _permalinks(html: str) -> str:
    """The ``permalinks`` filter (:func:`~site_builder.markup.with_permalinks`):
    Markup in, Markup out (``| safe | permalinks``); text in, text out
    (``| permalinks | safe``)."""
    if not isinstance(html, str):
        raise FilterError(
            f"permalinks needs rendered Markdown, got {_described(html)}",
            hint="give it paper.notes_html, paper.abstract_html or body_html",
        )
    linked = with_permalinks(str(html))
    return Markup(linked) if isinstance(html, Markup) else linked


def _merged_csp(policy: str) -> str:
    """The ``merged_csp`` filter, around base.html's ``csp`` block: a
    Content-Security-Policy with each directive written more than once
    made one, with the sources of all (``'none'`` dropped beside others).
    A browser obeys only the first of two, without a word, so a theme's
    ``{{ super() }}; script-src https://x`` would allow nothing more; merged,
    it widens the built-in policy without copying it. A policy without a
    directive written twice is given back as it is."""
    directives = [directive.split() for directive in str(policy).split(";") if directive.strip()]
    merged: dict[str, tuple[str, list[str]]] = {}
    for name, *sources in directives:
        known = merged.setdefault(name.lower(), (name, []))[1]  # directive names know no case
        known += [source for source in sources if source not in known]
    if len(merged) == len(directives):
        return policy
    text = "; ".join(
        " ".join([name, *(source for source in sources if source != "'none'" or len(sources) == 1)])
        for name, sources in merged.values()
    )
    return Markup(text) if isinstance(policy, Markup) else text


PAPER_ITEM = "partials/paper_item.html"


def _paper_items(env: jinja2.Environment) -> Callable[..., Markup]:
    """A paper's list item, rendered once per environment and reused on every
    list that shows the paper (topic, date and month pages list each paper
    several times over). Keyed by the view object itself, which is kept.

    ``current`` is the address of the date or topic the list is on: the
    item's link to it is marked ``aria-current``, so that a date page's
    eighty links to itself are told apart (and styled) as where one is, while
    the item is still rendered once."""
    rendered: dict[int, tuple[Any, Markup]] = {}

    def paper_item(paper: Any, current: str | None = None) -> Markup:
        hit = rendered.get(id(paper))
        if hit is None or hit[0] is not paper:
            try:
                html = env.get_template(PAPER_ITEM).render(paper=paper)
            except Exception as error:
                # Which paper's item failed, for the error about the page the list is on.
                error.paper_item_of = getattr(paper, "url", None)  # type: ignore[attr-defined]
                raise
            hit = rendered[id(paper)] = (paper, Markup(html))
        if not current:
            return hit[1]
        href = f'href="{escape(current)}"'
        # str's replace: Markup's would escape the quotes it is given.
        return Markup(str.replace(hit[1], href, f'{href} aria-current="true"'))

    return paper_item


def quote_href(link: str) -> str:
    """A link as a valid URL: text pulled from abstracts can carry characters
    such as braces that a URL may not hold unescaped."""
    return quote(_site_path("href", link, "a link"), safe=":/?#[]@!$&'()*+,;=%~")


def render_page(env: jinja2.Environment, page: Page, assets: Mapping[str, str]) -> bytes:
    try:
        template = env.get_template(page.template)
        html = template.render(page=page, assets=assets, **page.context)
        if page.template.endswith(".xml") and is_users_template(template.filename, env.globals["site"]):
            _check_well_formed(html, page, template.filename)
    except jinja2.TemplateSyntaxError as error:
        raise (_unknown_filter_or_test(error, page, env) or _syntax_error(error)) from None
    except jinja2.TemplateNotFound as error:
        path, line = _template_location(error)
        raise _not_found(str(error.name), path or page.template, line, env) from None
    except FilterError as error:
        path, line = _template_location(error)
        raise SourceError(
            f"template error while rendering {_rendered(page, error)}: {error.message}", path or page.template, line,
            hint=error.hint,
        ) from None
    except jinja2.UndefinedError as error:
        raise SourceError(
            f"template error while rendering {_rendered(page, error)}: {_undefined_message(error.message or '')}",
            *_template_location(error),
            hint="check the variable name; docs/templates.md lists what each template receives",
        ) from None
    except Exception as error:
        # An expression in a user's template such as {{ "a" + 1 }} or {{ 1 / 0 }}
        # is the user's mistake; an error raised outside any template is ours.
        path, line = _template_location(error)
        if path is None or isinstance(error, SourceError):
            raise
        if isinstance(error, jinja2.TemplateRuntimeError):
            unknown = _unknown_filter_or_test(error, page, env)
            if unknown is not None:
                raise unknown from None
        raise SourceError(
            f"template error while rendering {_rendered(page, error)}: {type(error).__name__}: {error}", path, line
        ) from None
    return html.encode("utf-8")


def _not_found(name: str, path: str, line: int | None, env: jinja2.Environment) -> SourceError:
    """A template not found, with the name of one there is that is nearest
    to it ("bse.html"); for a built-in one's name ("!paper.html"), which there are."""
    if not name.startswith(BUILTIN_PREFIX):
        close = difflib.get_close_matches(name, env.list_templates(), n=1)
        return SourceError(f"template {name!r} not found", path, line, hint=f"did you mean {close[0]!r}?" if close else "")
    builtin = builtin_template_names()
    close = difflib.get_close_matches(name[len(BUILTIN_PREFIX):], builtin, n=1)
    return SourceError(
        f"template {name!r} not found: {BUILTIN_PREFIX!r} names a built-in template, and templates/ has no "
        f"{name[len(BUILTIN_PREFIX):]}", path, line,
        hint=(f"did you mean {BUILTIN_PREFIX + close[0]!r}? " if close else "") + "the built-in ones: " + ", ".join(builtin),
    )


# Jinja's words for a filter or test that no environment has: as it compiles
# a template ("No filter named 'titel'."), and as it renders one, for a name
# in an {% if %}, which {% if 'x' is filter %} may guard, or given as text,
# select('nmber'): "No test named 'nmber' found."
_NO_FILTER_OR_TEST = re.compile(r"No (filter|test) named '(.*)'(?: found)?\.")
_JINJA_FILTERS = "https://jinja.palletsprojects.com/en/stable/templates/#list-of-builtin-filters"
_JINJA_TESTS = "https://jinja.palletsprojects.com/en/stable/templates/#list-of-builtin-tests"


def _unknown_filter_or_test(error: jinja2.TemplateError, page: Page, env: jinja2.Environment) -> SourceError | None:
    """A misspelt filter or test (``{{ x | titel }}``, ``{% if x is nmber %}``)
    said as a misspelt variable is, with the nearest name there is; a test
    written as a filter (``| odd``), or a filter as a test, says which it is."""
    match = _NO_FILTER_OR_TEST.fullmatch(error.message or "")
    if match is None:
        return None
    kind, name = match.groups()
    names, others = (env.filters, env.tests) if kind == "filter" else (env.tests, env.filters)
    close = difflib.get_close_matches(name, list(names), n=1)
    if name in others:
        hint = f"{name!r} is a test: write 'is {name}'" if kind == "filter" else f"{name!r} is a filter: write '| {name}'"
    elif close:
        hint = f"did you mean {close[0]!r}?"
    elif kind == "filter":
        own = [filter_name for filter_name in env.filters if filter_name not in jinja2.defaults.DEFAULT_FILTERS]
        hint = f"the site's filters: {', '.join(own)}, in docs/templates.md; Jinja's: {_JINJA_FILTERS}"
    else:
        hint = f"Jinja's tests: {_JINJA_TESTS}"
    if isinstance(error, jinja2.TemplateSyntaxError):
        path, line = error.filename or error.name, error.lineno
    else:
        path, line = _template_location(error)
    return SourceError(
        f"template error while rendering {_rendered(page, error)}: no {kind} named {name!r}", path or page.template,
        line, hint=hint,
    )


def is_users_template(filename: str | None, config: SiteConfig) -> bool:
    """Whether a template was read from the site's templates_dir."""
    users = config.templates_dir
    return filename is not None and users is not None and Path(filename).resolve().is_relative_to(users.resolve())


def _check_well_formed(xml: str, page: Page, filename: str | None) -> None:
    """An error for a feed or sitemap that a template of one's own made
    malformed (a tag left open): readers and search engines refuse it
    whole, and Jinja, which knows no XML, says nothing. The built-in ones
    are checked by the tests, not at each build."""
    try:
        ElementTree.fromstring(xml.encode("utf-8"))
    except ElementTree.ParseError as error:
        raise SourceError(
            f"template made /{page.url}, which is not well-formed XML ({error}, in the page made)",
            filename or page.template,
            hint=f"feed readers and search engines refuse it whole; compare your copy with templates/{page.template}",
        ) from None


def _rendered(page: Page, error: BaseException) -> str:
    """The page an error was raised rendering, and the paper whose list item
    it was rendering then, if any (a key only some papers have)."""
    item = getattr(error, "paper_item_of", None)
    return f"/{page.url}" + (f" (the list item of /{item})" if item else "")


# What templates are given, by the name Jinja's errors give their type.
_TEMPLATE_VALUES = {
    f"{kind.__module__}.{kind.__qualname__}": (name, kind)
    for name, kind in (
        ("a paper", PaperView), ("a topic", TopicView), ("a topic link", TopicLink), ("a date", DateView),
        ("a date link", DateLink), ("a month", MonthView), ("the page", Page), ("site", SiteConfig),
        ("a letter link", LetterLink), ("pagination", Pagination), ("the feed", Feed),
        ("a feed entry", FeedEntry), ("a sitemap entry", SitemapEntry), ("a nav link", NavLink),
        ("a tag", TagView), ("a tag link", TagLink),
    )
}
_NO_ATTRIBUTE = re.compile(r"'([\w.]+) object' has no attribute '(.*)'")


def _undefined_message(message: str) -> str:
    """Jinja's 'site_builder.site.PaperView object' has no attribute 'titel',
    said in the template's terms: a paper has no 'titel' (did you mean 'title'?)."""
    match = _NO_ATTRIBUTE.fullmatch(message)
    if match is None:
        return message
    kind, attribute = match.groups()
    if kind == "jinja2.runtime.TemplateReference":  # self.x() with no block x
        return f"no block {attribute!r} for self.{attribute}() here: define {{% block {attribute} %}}{{% endblock %}}"
    if kind == "mappingproxy":  # paper.extra and page.context are read-only mappings
        return f"no key {attribute!r} here (for a key only some papers have, write .get({attribute!r}))"
    if kind not in _TEMPLATE_VALUES:
        return message
    name, cls = _TEMPLATE_VALUES[kind]
    known = [f.name for f in fields(cls)] + [n for n, value in vars(cls).items() if isinstance(value, property)]
    close = difflib.get_close_matches(attribute, known, n=1)
    if close:
        return f"{name} has no {attribute!r} (did you mean {close[0]!r}?)"
    if cls is PaperView:  # as Hugo's .Params.venue or MkDocs' page.meta.venue would be read here
        return f"{name} has no {attribute!r} (a key of your own in its front matter is paper.extra.get({attribute!r}))"
    return f"{name} has no {attribute!r}"


def _syntax_error(error: jinja2.TemplateSyntaxError) -> SourceError:
    return SourceError(
        f"template syntax error: {error.message}", error.filename or error.name, error.lineno,
        hint="fix the Jinja tag on that line",
    )


def _template_location(error: BaseException) -> tuple[str | None, int | None]:
    """The innermost template frame of a rendering error's traceback, whatever
    the template's name (feed.xml, robots.txt, a partial.j2). Jinja rewrites
    each frame of template code into one whose globals hold the exception it
    raises again: that marks it, where a file name ending could not."""
    location: tuple[str | None, int | None] = (None, None)
    tb = error.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            location = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return location


def _link_out(filename: str, users: str) -> str:
    """The link that leads ``filename`` out of the templates_dir ``users``:
    the file itself, or a folder on the way ("partials" -> ~/elsewhere)."""
    path = users
    for part in Path(os.path.relpath(filename, users)).parts:
        path = os.path.join(path, part)
        if os.path.islink(path) and not within(os.path.realpath(path), users):
            return path
    return filename


def _template_file(loader: _TemplateLoader, name: str) -> str:
    """The file ``loader`` would read for ``name``, for errors raised before Jinja knows it."""
    directories = loader.searchpath
    if name.startswith(BUILTIN_PREFIX):
        directories, name = loader.builtin.searchpath, name[len(BUILTIN_PREFIX):]
    for directory in directories:
        candidate = Path(directory) / name
        if candidate.is_file():
            return str(candidate)
    return name


def template_fingerprints(
    env: jinja2.Environment, names: set[str], read: dict[str, tuple[str, str | None]] | None = None,
) -> dict[str, str]:
    """For each template, a hash of its source and of every template it extends
    or includes, so a change re-renders exactly the pages that use it.
    ``read``, if given, receives each template found: (source, file name).
    A template that cannot be found, read or parsed is an error; those of
    all are raised together, in file order: one included in an {% if %} that
    no page of this site enters yet (a partial's name misspelt) too, which
    rendering would not find."""
    sources: dict[str, str] = {}
    references: dict[str, set[str]] = {}
    computed: set[str] = set()  # the templates that name one by a computed name
    missing: set[str] = set()
    errors: list[SourceError] = []

    def visit(name: str) -> bool:
        """Whether ``name`` was found."""
        if name in sources:
            return name not in missing
        try:
            source, filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
            outline = template_outline(env, source, name, filename)
        except (jinja2.TemplateNotFound, jinja2.TemplateSyntaxError, SourceError) as error:
            # One not Jinja or not UTF-8 is told with the others' below, so
            # that all are fixed at once; one not found, at the line naming it.
            if isinstance(error, jinja2.TemplateSyntaxError):
                errors.append(_syntax_error(error))
            elif isinstance(error, SourceError):
                errors.append(error)
            else:
                missing.add(name)
            sources[name], references[name] = "", set()
            return not isinstance(error, jinja2.TemplateNotFound)
        sources[name] = source
        if read is not None:
            read[name] = (source, filename)
        references[name] = set(outline.references)
        if outline.names_unknown:
            computed.add(name)
        for ref in sorted(outline.references):
            if not visit(ref) and ref in outline.required:
                errors.append(_not_found(ref, filename, outline.required[ref], env))
        return True

    def closure(name: str, seen: set[str]) -> set[str]:
        if name not in seen:
            seen.add(name)
            for ref in references.get(name, ()):
                closure(ref, seen)
        return seen

    for name in sorted(names):
        visit(name)
    raise_if_any(sorted(errors, key=lambda error: (str(error.path), error.line or 0)))
    # A template that includes one by a computed name may render any: the
    # pages that use it depend on every template (a partial it includes so,
    # saved, kept its old text on them in a cached build).
    every = _every_template_source(env) if computed else ""

    def fingerprint(name: str) -> str:
        used = closure(name, set())
        text = "\0".join(f"{n}\0{sources[n]}" for n in sorted(used))
        return hashlib.sha256((text + ("\0\0" + every if used & computed else "")).encode()).hexdigest()

    return {name: fingerprint(name) for name in names}


def _every_template_source(env: jinja2.Environment) -> str:
    """Every template the loader finds, each name with its source, as one text."""
    return "\0".join(f"{name}\0{source}" for name, source in template_sources(env))


def template_sources(env: jinja2.Environment) -> Iterator[tuple[str, str]]:
    """Every template the loader finds, by name, with its source; one it
    cannot read (an image, a file not UTF-8) has none (rendering it reports
    that). Not an editor's backup or swap file, nor a hidden folder's (.git):
    they are no templates, and change at every save (in a fingerprint, they
    would render the pages again each time)."""
    from .inputs import editors_file  # here: inputs imports this module

    for name in env.list_templates():
        if any(editors_file(part) for part in name.split("/")):
            continue
        try:
            source, _filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except (jinja2.TemplateNotFound, SourceError, OSError):
            source = ""
        yield name, source


def template_ids(env: jinja2.Environment, name: str) -> tuple[str, ...]:
    """The ids the template ``name`` writes on its pages, with those of the
    templates it extends or includes (``main``, ``notes-heading``), sorted:
    the headings one writes, shown on them, take none of them. Read from
    the templates, the user's too, so that an id a template of one's own
    adds is never a heading's as well; one an expression makes
    (``id="{{ x }}"``) cannot be known. A template that includes one by a
    computed name may include any: then every template's ids. A template
    that cannot be read or parsed adds none (rendering the pages says why)."""
    read: dict[str, tuple[str, str | None]] = {}
    try:
        template_fingerprints(env, {name}, read)
    except SourceError:
        pass  # said as the pages render, with every other template's errors
    sources = [(template, source, filename) for template, (source, filename) in read.items()]
    if any(template_outline(env, source, template, filename).names_unknown for template, source, filename in sources):
        sources += [(other, source, None) for other, source in template_sources(env) if other not in read]
    ids: set[str] = set()
    for template, source, filename in sources:
        try:
            ids |= template_outline(env, source, template, filename).ids
        except jinja2.TemplateSyntaxError:
            continue  # rendering says why
    return tuple(sorted(ids))


def page_templates(site: Site) -> set[str]:
    # paper_item() renders PAPER_ITEM for any page, unseen by Jinja's reference scan.
    return {page.template for page in site.pages} | {PAPER_ITEM}


def render_site(
    env: jinja2.Environment,
    site: Site,
    assets: Mapping[str, str],
    previous: dict[str, tuple[Any, bytes]],
    stored: StoredPages | None = None,
    workers: int = 1,
    later: dict[str, LaterPage] | None = None,
) -> tuple[dict[str, bytes], tuple[str, ...]]:
    """Render every page, reusing ``previous`` output for pages whose template,
    context and shared values are unchanged. ``previous`` is updated in place
    and dropped of pages that no longer exist. Returns (files, rendered paths).

    With ``later`` (the preview server), the pages to render are not rendered
    but put there, to be rendered when requested; the caller then stores
    their bytes in ``previous`` under :attr:`LaterPage.key`.

    With ``stored`` (the on-disk cache of a CLI build), a page is also reused
    from the previous build's output when its context digest is unchanged,
    and every page's context digest is recorded in ``stored.digests`` (or,
    for a page rendered without one, how to make it in ``stored.undigested``). Pages
    are rendered in ``workers`` processes; the output does not depend on it."""
    read: dict[str, tuple[str, str | None]] = {}
    fingerprints = template_fingerprints(env, page_templates(site), read)
    if later is not None:
        env = _as_read(env, read)
    shared = (site.config, tuple(assets.items()), fingerprints[PAPER_ITEM])
    last = next(iter(previous.values()), None)
    if last is not None and last[0][1] == shared:
        # The last build's equal values: each page's key below then compares
        # them by pointer, not the configuration field by field.
        shared = last[0][1]
    files: dict[str, bytes] = {}
    todo: list[tuple[str, Any, Page, bytes | None]] = []
    # What every page shares is digested once, not once per page.
    shared_digest = stored.digester.digest(shared) if stored is not None else None

    def context_digest(page: Page) -> bytes | None:
        if shared_digest is None:
            return None
        return stored.digester.digest((fingerprints[page.template], shared_digest, page))

    for page in site.pages:
        path = page.output_path
        key = (fingerprints[page.template], shared, page)
        cached = previous.get(path)
        if cached is not None and cached[0] == key:
            files[path] = cached[1]
            continue
        digest = context_digest(page) if stored is not None and stored.available else None
        todo.append((path, key, page, digest))
    if stored is not None and stored.available:
        # Read back once every digest is made, not between them: the pages
        # then lie together in memory, not among the freed buffers of the
        # digests (25 MB more resident at 20,000 papers in the preview).
        unread, todo = todo, []
        for path, key, page, digest in unread:
            data = stored.lookup(path, digest) if digest is not None else None
            if data is None:
                todo.append((path, key, page, digest))
                continue
            stored.digests[path] = digest
            files[path] = data
            previous[path] = (key, data)
    if later is not None:
        # A template that changed (or whose shared values did) renders its
        # first page now, so that a broken template fails this build instead
        # of a request; one that rendered the last build as it is need not.
        unchanged = _rendered_as_now(previous, shared)
        now = {
            page.template: path for path, key, page, _digest in reversed(todo) if key[0] not in unchanged
        }
        for path, key, page, _digest in todo:
            if now.get(page.template) != path:
                later[path] = LaterPage(key, partial(render_page, env, page, assets))
        todo = [item for item in todo if now.get(item[2].template) == item[0]]

    if workers > 1 and len(todo) >= PARALLEL_MIN_ITEMS:
        for name in sorted(fingerprints):
            try:
                env.get_template(name)  # compiled once, before forking, for every process
            except jinja2.TemplateError:
                break  # render_page reports it
    rendered = fork_map(lambda item: render_page(env, item[2], assets), todo, workers)
    for (path, key, page, digest), data in zip(todo, rendered):
        files[path] = data
        previous[path] = (key, data)
        if stored is not None and digest is not None:
            stored.digests[path] = digest
        elif stored is not None:
            stored.undigested[path] = partial(context_digest, page)
    for gone in previous.keys() - files.keys() - (later or {}).keys():
        del previous[gone]
    return files, tuple(path for path, _key, _page, _digest in todo)


def _as_read(env: jinja2.Environment, read: Mapping[str, tuple[str, str | None]]) -> jinja2.Environment:
    """``env`` with the templates as :func:`template_fingerprints` read them:
    a page rendered later must not take up a template saved since, as the
    fingerprint in its cache key would not say so. (A template it did not
    see, included by a computed name, is still read when needed.)"""
    loader = env.loader

    def source(name: str) -> tuple[str, str | None, Callable[[], bool]]:
        if name in read:
            text, filename = read[name]
            return text, filename, lambda: True
        assert loader is not None
        return loader.get_source(env, name)

    frozen = env.overlay(loader=jinja2.FunctionLoader(source), cache_size=400)
    frozen.globals = {**env.globals, "paper_item": _paper_items(frozen)}
    return frozen


def _rendered_as_now(previous: Mapping[str, tuple[Any, bytes]], shared: Any) -> set[str]:
    """The fingerprints of the templates that rendered pages in ``previous``
    with these ``shared`` values (each build's pages share one such tuple)."""
    by_shared: dict[int, tuple[Any, set[str]]] = {}
    for key, _data in previous.values():
        by_shared.setdefault(id(key[1]), (key[1], set()))[1].add(key[0])
    return set().union(*(fingerprints for values, fingerprints in by_shared.values() if values == shared))


@dataclass(frozen=True)
class LaterPage:
    """A page left to render: what it is rendered from, and how."""

    key: Any
    render: Callable[[], bytes]


@dataclass
class StoredPages:
    lookup: Callable[[str, bytes], bytes | None]  # (output path, context digest) → bytes or None
    available: bool = True  # whether lookup can find anything at all
    digester: KeyDigester = field(default_factory=lambda: KeyDigester(frozenset({PaperView, TopicView, DateView})))
    digests: dict[str, bytes] = field(default_factory=dict)
    # The pages rendered without a digest: only the saved cache needs theirs,
    # so they are made as it is saved, beside the writing of the site.
    undigested: dict[str, Callable[[], bytes | None]] = field(default_factory=dict)

