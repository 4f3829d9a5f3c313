"""Hidden tests for padding_stride (to be written)."""
