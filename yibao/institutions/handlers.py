"""Item handlers of the designation items (filled in below)."""
