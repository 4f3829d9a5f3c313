"""Authoring: from an instructor's solutions/ to the released assignments/, checked on the way."""
