"""pytest plugin: certkit's cases as pytest items (issue 7 fills this in)."""
