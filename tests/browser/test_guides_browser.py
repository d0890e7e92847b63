"""A visitor finds a guide by searching, reads it and downloads its PDF."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_searches_reads_a_guide_and_downloads_the_pdf(live_server, page, catalog):
    page.goto(f"{live_server.url}/guides/taiyuan/")
    assert page.locator("h1").inner_text().startswith("太原市")
    page.get_by_label("搜索事项").fill("异地")
    # htmx replaces the result list after typing stops; no page reload.
    page.locator("#result-count").wait_for()
    assert "“异地”共找到" in page.locator("#result-count").inner_text()
    first = page.locator("#results ul.items a").first
    name = first.inner_text().split(" · ")[-1]
    first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == name
    assert page.locator("svg.flow rect").count() >= 2
    pdf_href = page.get_by_role("link", name="下载办事指南（PDF）").get_attribute("href")
    response = page.request.get(f"{live_server.url}{pdf_href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"


def test_the_content_security_policy_blocks_nothing_the_pages_need(live_server, page, catalog):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text else None)
    page.goto(f"{live_server.url}/guides/taiyuan/")
    page.get_by_label("搜索事项").fill("异地")
    page.locator("#result-count").wait_for()
    page.goto(f"{live_server.url}/api/docs")
    # Swagger UI renders from the bundled files: the operations appear without any CDN.
    page.locator(".opblock").first.wait_for(timeout=15000)
    assert violations == []
