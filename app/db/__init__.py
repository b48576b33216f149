"""Database access: table definitions, engine, embedded server and migrations."""
