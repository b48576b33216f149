"""Live updates: the database announces schedule changes (NOTIFY); each desk listens (LISTEN)."""
