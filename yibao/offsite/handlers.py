"""Item handlers of offsite (being written)."""
