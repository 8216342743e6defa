"""People's pages: one person's ideas and comments, as colleagues may see them."""
