"""Pure converters between the canonical params and each wire form (no I/O)."""
