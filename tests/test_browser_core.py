"""The built site in a real browser: home page, a paper page, a phone-sized screen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def open_page(browser, url: str, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url)
    return context, page, errors


def test_home_page_links_to_a_paper_page(browser, shipped_site, serve_site):
    base = serve_site(shipped_site)
    context, page, errors = open_page(browser, base)
    assert page.title() == "Paper Atlas"
    assert page.locator("h2", has_text="Latest digest").count() == 1
    first = page.locator(".paper-list .paper-title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert page.url.startswith(base + "papers/")
    assert page.locator("h1").inner_text().strip().endswith(title)
    assert page.locator(".abstract p").first.inner_text().strip() != ""
    page.locator(".tags a.tag").first.click()
    page.wait_for_load_state()
    assert "/atlas/topics/" in page.url and page.locator(".paper-item").count() > 0
    assert errors == []
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_paper_page_fits_a_phone(browser, shipped_site, serve_site, scheme):
    base = serve_site(shipped_site)
    context, page, errors = open_page(
        browser, base + "papers/", viewport={"width": 390, "height": 844}, color_scheme=scheme
    )
    page.locator(".title-list a").first.click()
    page.wait_for_load_state()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page scrolls sideways on a phone"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    dark = background in ("rgb(21, 23, 27)",)
    assert dark == (scheme == "dark")
    assert errors == []
    context.close()
