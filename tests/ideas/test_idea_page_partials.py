"""The idea page's partials that write their form fields out as plain markup: the
same label, ids, names and aria wiring as _macros/forms.html's field macro gives."""

from __future__ import annotations

import re

from tests.helpers.factories import IdeaFactory, UserFactory

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def test_report_box_is_labelled_described_and_carries_the_token(app, employee_client,
                                                                it_department):
    idea = IdeaFactory(author=UserFactory(department=it_department), department=it_department)
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert '<label for="report-reason">What is wrong with it?</label>' in page
    assert ('<textarea aria-describedby="report-reason-hint" aria-invalid="false" '
            'id="report-reason" maxlength="500" name="report-reason" required></textarea>') in page
    assert '<p class="hint" id="report-reason-hint">Only moderators see reports.</p>' in page
    token = TOKEN.search(page).group(1)
    assert f'<input name="report-csrf_token" type="hidden" value="{token}">' in page
    response = employee_client.post(f"/ideas/{idea.id}/flag",
                                    data={"report-csrf_token": token, "csrf_token": token,
                                          "report-reason": "Off topic"})
    assert response.status_code == 302


def test_comment_box_is_labelled_described_and_limited(app, employee_client, it_department):
    idea = IdeaFactory(author=UserFactory(department=it_department), department=it_department)
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert '<label for="body">Your comment</label> <span class="required" aria-hidden="true">*</span>' in page
    assert ('<textarea aria-describedby="body-hint" aria-invalid="false" id="body" '
            'maxlength="10000" name="body" required></textarea>') in page
    assert 'id="body-hint">Markdown works.' in page
