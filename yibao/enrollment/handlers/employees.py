"""Item handlers: employees (being written)."""
