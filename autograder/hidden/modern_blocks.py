"""Hidden tests for modern_blocks (to be written)."""
