"""Item handlers: residents (being written)."""
