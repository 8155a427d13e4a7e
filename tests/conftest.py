from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory) -> Path:
    """The shipped digests built once per test session into a private copy of content/."""
    from site_builder.pipeline import Paths, build

    work = tmp_path_factory.mktemp("shipped")
    shutil.copytree(ROOT / "content", work / "content")
    build(Paths(content=work / "content", out=work / "_site"), base_url="/atlas/")
    return work / "_site"


def require_chromium() -> None:
    """Browser tests skip on a developer machine without Chromium, never in CI."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests: /usr/bin/chromium is missing (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
