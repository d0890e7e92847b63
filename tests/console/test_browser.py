"""The window-entry form in a real browser: htmx recomputes the checklist."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choosing_item_and_situation_recomputes_the_checklist(live_server, client, staff, reimbursement, page):
    client.force_login(staff["zezhou"]["accept"].user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/console/new/")
    assert page.locator("#checklist").inner_text().startswith("请先选择事项")
    page.select_option("select[name=item]", "inpatient-reimbursement")
    page.wait_for_selector("input[name=file_0]")
    assert "长期居住证明" not in page.locator("#checklist").inner_text()
    page.check("input[name=situations][value=异地长期居住]")
    page.wait_for_selector("input[name=file_5]")
    assert "长期居住证明" in page.locator("#checklist").inner_text()
    assert page.is_checked("input[name=situations][value=异地长期居住]")
