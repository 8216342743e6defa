"""Insight: the analytics page for managers and admins, and the public impact ledger.

Both live here because they share their filters (period, department subtree), their
unit normalisation (``models.OutcomeUnit``) and their CSV exports: the ledger is the
"what came of it" half of the same figures.
"""
