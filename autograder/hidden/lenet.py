"""Hidden tests for lenet (to be written)."""
