"""Hidden tests for channels (to be written)."""
