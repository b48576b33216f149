"""Pure scheduling rules, input models and errors. Imports nothing else of the app."""
