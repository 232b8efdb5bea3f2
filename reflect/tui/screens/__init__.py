"""Modal screens of the terminal app, one per file."""
