"""Hidden tests for dense_to_conv (to be written)."""
