"""Campaigns: a leader asks the company a question, with a brief, an audience and a
deadline, and the answers are ideas of the board that belong to it."""
