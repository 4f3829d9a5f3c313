"""Hidden tests for pooling (to be written)."""
