"""One module per schema version; `0001_initial` creates every table."""
