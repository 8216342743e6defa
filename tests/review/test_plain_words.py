"""What employees read of a review is in plain words, explained where it shows: no
"Merit", "Wilson" or "Escalation Level 1" (issue 13, item 11)."""

import re

from tests.helpers.review import make_idea


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_review_figures_of_an_idea_read_for_people(employee_client, manager, it_department):
    idea = make_idea(manager, it_department, status="in_review", due_in_days=2,
                     escalation_level=1, upvotes=7, downvotes=2, review_count=2,
                     mean_impact=4.0, mean_feasibility=3.5, mean_effort=2.0, merit_score=71.0)
    html = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    summary = _text(html[html.index('class="review-summary'):])
    summary = summary[:summary.index("Timeline")] if "Timeline" in summary else summary
    for jargon in ("Merit", "Wilson", "Level 1", "Escalation", "Peer score", "Mean scores"):
        assert jargon not in summary, jargon
    assert "Decision due in 1 day" in summary or "Decision due in 2 days" in summary
    assert "Passed up Escalated to IT, 1 level up" in summary
    assert "went to the managers of the department above" in summary
    assert "7 for, 2 against" in summary and "+5 overall" in summary
    assert "Managers' average scores (1 to 5)" in summary
    assert "Overall score 71 out of 100" in summary
    # The explanation is visible text behind a summary a phone can open, not a tooltip.
    assert "<summary>How is it worked out?</summary>" in html
    assert "four tenths from colleagues' votes" in summary


def test_a_department_page_says_what_its_numbers_mean(employee_client, it_department):
    html = _text(employee_client.get(f"/departments/{it_department.slug}").get_data(as_text=True))
    assert "Votes to reach review" in html and "SLA" not in html
    assert "then the idea passes to the managers of the department above" in html
