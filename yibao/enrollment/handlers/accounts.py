"""Item handlers: accounts (being written)."""
