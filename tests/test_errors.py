from __future__ import annotations

import contextlib

import pytest

from site_builder.errors import BuildErrors, SourceError, raise_if_any


def test_error_prints_path_line_message_and_hint():
    error = SourceError("bad thing", "content/x.txt", 3, hint="do this")
    assert str(error) == "content/x.txt:3: bad thing (do this)"
    assert str(SourceError("no line", "a.yaml")) == "a.yaml: no line"


def test_error_passes_through_context_managers():
    @contextlib.contextmanager
    def managed():
        yield

    with pytest.raises(SourceError):
        with managed():
            raise SourceError("inside", "f", 1)


def test_several_errors_are_reported_together():
    with pytest.raises(BuildErrors) as info:
        raise_if_any([SourceError("one", "a", 1), SourceError("two", "b", 2)])
    assert str(info.value) == "a:1: one\nb:2: two"
