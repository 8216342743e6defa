"""Command-line tasks: admins, CSV import, demo data and workers."""
