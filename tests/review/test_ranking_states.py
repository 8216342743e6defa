"""The statuses Trending sinks (ideas.ranking.CLOSED, below the review in the layers) are
the final ones of the state machine: no change leads out of them."""

from ideaboard.ideas import ranking
from ideaboard.ideas.models import IdeaStatus
from ideaboard.review import workflow


def test_closed_is_every_status_without_a_way_out():
    final = {status.value for status in IdeaStatus if not workflow.targets(status)}
    assert set(ranking.CLOSED) == final
