"""The organisation: departments in a tree and their managers."""
