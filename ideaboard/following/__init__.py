"""Following ideas: who hears about what happens to an idea."""
