"""Ideas: submitting, editing, browsing, searching and following."""
