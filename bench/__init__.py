"""Performance benchmark harness: a large-company data generator and a wrk-driven runner.

``python -m bench.generate`` fills a database; ``python -m bench.run`` serves Ideaboard
and a minimal floor app with gunicorn and measures both (see docs/PERFORMANCE.md).
"""
