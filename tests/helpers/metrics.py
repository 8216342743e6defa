"""Reading /metrics as Prometheus does: the text format, parsed by prometheus-client."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """``{(sample name, frozenset of label pairs): value}`` of a scrape."""
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples}


def value(scrape: dict[tuple[str, frozenset], float], name: str, **labels: str) -> float:
    """One sample's value; 0 when the scrape has no such series (nothing counted yet)."""
    return scrape.get((name, frozenset(labels.items())), 0.0)


def requests_counted(scrape: dict[tuple[str, frozenset], float], endpoint: str,
                     method: str = "GET", status: str = "2xx") -> float:
    return value(scrape, "ideaboard_http_requests_total", endpoint=endpoint, method=method,
                 status=status)


def scrape(client, **kwargs) -> dict[tuple[str, frozenset], float]:
    """GET /metrics with ``client`` and parse it (the response must be a 200)."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    return samples(response.get_data(as_text=True))
