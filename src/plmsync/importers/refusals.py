"""Why an import is refused: stable codes, each with what the user should do about it.

Readers raise `refuse(CODE, message)`; `plmsync import` prints the code, the message and the
remedy, never a stack trace. `plmsync catalogue` lists these codes in docs/errors.md.
"""

from __future__ import annotations

from plmsync.domain.errors import ImportRejected

FORMAT_UNKNOWN = "PLMSYNC-IMPORT-FORMAT-UNKNOWN"
UNREADABLE = "PLMSYNC-IMPORT-UNREADABLE"
NO_HEADER = "PLMSYNC-IMPORT-NO-HEADER"
EMPTY = "PLMSYNC-IMPORT-EMPTY"
DANGLING_REFERENCE = "PLMSYNC-IMPORT-DANGLING-REFERENCE"
MISSING_COMPANION = "PLMSYNC-IMPORT-MISSING-COMPANION"

REMEDIES: dict[str, str] = {
    FORMAT_UNKNOWN: "Pass --format with one of the supported formats (plmsync import --help), "
    "or export the file as CSV/TSV, XLSX, Aras TSV/AML, InvenTree JSON or STEP.",
    UNREADABLE: "The file is damaged or not what its content suggests: export it again from "
    "the PLM or EDA tool.",
    NO_HEADER: "Add a header row naming the columns (e.g. Ref, Qty, Value, MPN), or pass a "
    "--mapping that names the columns the file uses.",
    EMPTY: "The file holds no parts or BOM lines: check that the export selected the "
    "product structure.",
    DANGLING_REFERENCE: "A BOM relationship names a part the export does not contain: export "
    "the parts and the BOM together.",
    MISSING_COMPANION: "Aras exports one file per item type: put the Part and the Part BOM "
    "files in one folder and import either of them (or the folder).",
}


def refuse(code: str, message: str) -> ImportRejected:
    """The error to raise for `code` (which must be catalogued above)."""
    return ImportRejected(message, code=code, remedy=REMEDIES[code])
