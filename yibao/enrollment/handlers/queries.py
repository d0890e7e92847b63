"""Item handlers: queries (being written)."""
