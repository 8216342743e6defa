"""Background work: ``flask --app ideaboard worker`` runs every job (e-mail, escalation,
digests, and whatever registers in ``jobs``) until it is stopped; any number of workers
side by side, each piece of work done once. ``services`` is the loop, ``jobs`` what it
runs and when, ``queries`` what the metrics read (heartbeats)."""
