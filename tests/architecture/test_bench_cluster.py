"""The launch load test's bookkeeping (bench/cluster.py): no server is started here."""

from __future__ import annotations

from bench import cluster
from bench.run import Session

WRK_OUTPUT = """\
Running 20s test @ http://127.0.0.1:38765
  Latency Distribution
     50%  161.37ms
     75%  258.32ms
     90%  315.04ms
     99%    1.45s
  3810 requests in 20.09s, 114.97MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
"""


def test_the_percentiles_and_errors_are_read_from_wrk_in_milliseconds():
    assert cluster.parse_latency_percentiles(WRK_OUTPUT) == {
        "50": 161.37, "75": 258.32, "90": 315.04, "99": 1450.0}
    assert cluster.wrk_counts(WRK_OUTPUT) == {"requests": 3810, "non_2xx_3xx": 7,
                                              "socket_errors": 3}


def test_nobody_is_given_their_own_idea_to_vote_on():
    people = [("a@x", 1), ("b@x", 2), ("c@x", 3)]
    ideas = [(10, 1), (11, 2), (12, 3)]  # (idea, author)
    given = cluster.assign_ideas(people, ideas)
    authors = dict(ideas)
    assert set(given) == {"a@x", "b@x", "c@x"}
    assert all(authors[idea] != person for (email, person) in people
               for idea in [given[email]])


def test_the_mix_votes_once_per_person_with_their_own_token():
    session = Session("a@x", cookies={"session": "s1"}, csrf_token="tok/en+")
    mix = cluster.launch_mix([(session, 10)])
    votes = [r for r in mix if r.path.endswith("/vote")]
    assert len(votes) == 1
    assert votes[0].body == "csrf_token=tok%2Fen%2B&value=1"
    assert all(r.cookie == "session=s1" for r in mix)
