"""PLM source adapters (the REST polling source) and what they share (the since-cursor)."""
