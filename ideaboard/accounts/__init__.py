"""Accounts: sign-up, log-in, profiles, passwords and invitations."""
