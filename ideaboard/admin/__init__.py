"""Admin pages for people, departments, moderation and the audit trail."""
