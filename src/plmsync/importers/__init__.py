"""File importers: turn PLM/EDA exports (CSV/TSV BOMs, KiCad BOMs) into change packages."""
