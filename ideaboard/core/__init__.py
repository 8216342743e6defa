"""Cross-cutting web pieces: health check, error pages, headers, template helpers."""
