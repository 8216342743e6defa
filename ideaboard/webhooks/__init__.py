"""Signed webhooks: endpoints admins register, an outbox of deliveries, and the worker
that sends them (Standard Webhooks signatures; Slack and Microsoft Teams messages)."""
