"""The portal search box in real headless Chromium (Debian's chromium, driven by Playwright):
type a question, choose a location, see results, follow a citation; hostile text stays inert."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

if not CHROMIUM:
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium (see .ci/run)")
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _page(browser, server):
    page = browser.new_page()
    # the page may only talk to the service under test
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(server.url) else route.abort()
        ),
    )
    page.goto(f"{server.url}/widget/")
    return page


def test_question_results_and_citation(browser, server) -> None:
    page = _page(browser, server)
    page.get_by_label("问题").fill("厦门企业通过DCMM四级能拿多少奖励")
    page.get_by_label("企业所在地").select_option("厦门市")
    page.get_by_label("日期").fill("2026-11-20")
    page.get_by_label("问题").press("Enter")  # keyboard only
    first = page.locator("policy-search li.hit").first
    first.wait_for(timeout=20_000)
    assert "找到" in page.locator("policy-search .status").text_content()
    text = first.text_content()
    assert "厦府办规〔2025〕10号" in text and "适用" in text and "40万元" in text
    assert first.locator(".amounts li.match").first.text_content() == "四级：40万元"
    not_applying = page.locator("policy-search li.hit", has_text="泉政办规〔2025〕18号").first
    assert (
        "不适用" in not_applying.text_content()
        and "does not include 厦门市" in not_applying.text_content()
    )
    first.locator("a.cite").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#clause-title", timeout=20_000)
    assert "提升企业数据治理能力" in page.locator("#clause-title").text_content()
    assert "DCMM" in page.locator("#clause-text").text_content()
    page.close()


def test_hostile_text_renders_inertly(browser, server) -> None:
    page = _page(browser, server)
    page.evaluate("window.__pwned = 0")
    hostile = {
        "query": {"q": "<img src=x onerror=window.__pwned=1>"},
        "results": [
            {
                "id": "x/<script>",
                "citation": "<img src=x onerror=window.__pwned=2>",
                "heading": "<b>粗体</b>",
                "applies": None,
                "why": "<svg onload=window.__pwned=3>",
                "text": "<script>window.__pwned=4</script>条款正文",
                "amounts": [
                    {
                        "kind": "award_cap",
                        "value": 1,
                        "unit": "元",
                        "text": "1元",
                        "tier": "<i>x</i>",
                        "per_year": False,
                    }
                ],
                "matched_tier": [],
            }
        ],
    }
    page.evaluate("body => document.querySelector('policy-search').render(body)", hostile)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") == 0
    hit = page.locator("policy-search li.hit").first
    assert "<script>window.__pwned=4</script>条款正文" in hit.text_content()
    assert (
        page.locator(
            "policy-search li.hit img, policy-search li.hit script, policy-search li.hit svg, policy-search li.hit b"
        ).count()
        == 0
    )
    # a hostile question typed by a user is sent as data, not markup
    page.get_by_label("问题").fill("<img src=x onerror=window.__pwned=5>")
    page.get_by_label("问题").press("Enter")
    page.wait_for_function(
        "document.querySelector('policy-search').shadowRoot.querySelector('.status').textContent.length > 0 && !document.querySelector('policy-search').hasAttribute('aria-busy')"
    )
    assert page.evaluate("window.__pwned") == 0
    page.close()
