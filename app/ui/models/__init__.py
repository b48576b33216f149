"""Item models: plain data for the views, never database objects."""
