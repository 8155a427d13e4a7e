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


class _SubpathHandler:
    """Builds a request handler class that serves ``site`` under ``prefix``."""

    @staticmethod
    def make(site: Path, prefix: str):
        import http.server

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(site), **kwargs)

            def translate_path(self, path: str) -> str:
                if not path.startswith(prefix):
                    return str(site / "__outside_prefix__")
                return super().translate_path("/" + path[len(prefix):])

            def log_message(self, *args) -> None:
                pass

        return Handler


@pytest.fixture(scope="session")
def serve_site():
    """Serve a built site directory under a URL prefix; returns the site's base URL."""
    import http.server
    import threading

    servers = []

    def start(site: Path, prefix: str = "/atlas/") -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SubpathHandler.make(site, prefix))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}{prefix}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield instance
        instance.close()
