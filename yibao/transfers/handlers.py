"""Item handlers of transfers (being written)."""
