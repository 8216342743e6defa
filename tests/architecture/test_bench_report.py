"""The benchmark's verdicts (bench/run.py): a budget is met only when every round is
within it, so a verdict within the noise is never called met. No timing is run here."""

from __future__ import annotations

from types import SimpleNamespace

from bench import generate as gen
from bench import run


def _measure(cpu_ms: float) -> run.Measure:
    return run.Measure(requests=100, seconds=3.0, rps=30.0, p50_ms=cpu_ms, p99_ms=cpu_ms,
                       cpu_ms=cpu_ms, errors=0)


def _size(rounds: list[tuple[float, float]], ideas: int = 100_000) -> run.SizeResult:
    """A size with one endpoint (budget 3x) measured in ``rounds`` of (page ms, floor ms)."""
    size = run.SizeResult(scale=1.0, ideas=ideas, generation=gen.Report())
    size.endpoints = {"page": run.Endpoint("page", "A page", "/", budget=3.0)}
    for page_ms, floor_ms in rounds:
        size.floor.append(_measure(floor_ms))
        size.runs.setdefault("page", []).append((_measure(page_ms), _measure(floor_ms)))
    return size


def test_each_round_is_a_ratio_to_the_floor_run_before_it():
    size = _size([(2.0, 1.0), (3.3, 1.1), (2.4, 0.8)])
    assert [round(r, 2) for r in size.ratios("page")] == [2.0, 3.0, 3.0]
    assert round(size.ratio("page"), 2) == 3.0
    assert size.measures["page"].cpu_ms == 2.4  # the median round


def test_met_only_when_every_round_is_within_the_budget():
    assert run._judge(2.6, 2.9, 3.0) == "met"
    assert run._judge(2.8, 3.2, 3.0) == "**within the noise, not met**"
    assert run._judge(3.1, 3.4, 3.0) == "**not met**"


def test_growth_is_judged_over_the_spread_of_both_sizes():
    # Medians 3.0 over 2.5 grow 1.20, within 1.25, but the spread reaches 1.40.
    cells = run._growth([2.9, 3.0, 3.1], [2.2, 2.5, 2.6])
    assert cells == ["2.5", "1.20 **within the noise, not met**"]
    assert run._growth([3.0, 3.0, 3.0], [3.0, 3.0, 3.0])[1] == "1.00 met"


def test_the_report_shows_the_spread_and_its_verdict(monkeypatch):
    monkeypatch.setattr(run, "database_version", lambda kind: "SQLite 3")
    large = _size([(2.8, 1.0), (3.2, 1.0), (2.9, 1.0)])
    small = _size([(2.9, 1.0), (2.9, 1.0), (2.9, 1.0)], ideas=1_000)
    args = SimpleNamespace(workers=2, threads=2, connections=2, duration=3, rounds=3)
    text = run.report_markdown({"sqlite": (large, small)}, args)
    row = next(line for line in text.splitlines() if line.startswith("| A page"))
    assert "| 2.9 | 2.8\u20133.2 | \u22643\u00d7 **within the noise, not met** |" in row


def test_the_cold_pass_is_judged_beside_the_warm_one(monkeypatch):
    monkeypatch.setattr(run, "database_version", lambda kind: "SQLite 3")
    large = _size([(2.5, 1.0), (2.6, 1.0), (2.7, 1.0)])
    large.cold_runs["page"] = [(_measure(5.0), floor) for _, floor in large.runs["page"]]
    args = SimpleNamespace(workers=2, threads=2, connections=2, duration=3, rounds=3)
    text = run.report_markdown({"sqlite": (large, None)}, args)
    row = next(line for line in text.splitlines() if line.startswith("| A page"))
    assert "\u22643\u00d7 met" in row
    assert "| 5.0 | 5.0\u20135.0 | \u22643\u00d7 **not met** |" in row
