"""Flags on ideas and comments, and the moderators' queue."""
