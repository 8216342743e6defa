"""Managers' side: the state machine, review queues, scores, decisions and escalation."""
