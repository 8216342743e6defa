"""Each person's data: export (a ZIP of JSON built by the worker), erasure, retention."""
