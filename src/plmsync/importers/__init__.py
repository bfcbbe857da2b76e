"""File importers: PLM/EDA/CAD exports (CSV/TSV/XLSX and KiCad BOMs, Aras Part / Part BOM
TSV and AML, InvenTree data exports, STEP product structure) into change packages.
Entry point: `dispatch.import_file`; format detection: `formats.detect`."""
