"""Qt widgets only: they reach the database through services on worker threads."""
