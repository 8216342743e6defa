"""Peer votes on ideas."""
