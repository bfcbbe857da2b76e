"""The 2020 HackRF One KiCad BOM: a 14-row title block, then a header shifted against its data.

By hand from the file: the header is line 15 (`Ref,Value,Footprint,Qty,Description,…`) but
every data row has an unnamed blank column after Qty, so Description, Manufacturer and
Part Number sit one column right of their names (the header ends in a blank name). 167 data
rows (the title block's "Total Unique Parts"), Qty sums to 417 ("Total Parts"), 417 distinct
designators separated by spaces, 71 distinct part numbers; keyed by part number or else value
the rows give 142 distinct parts.
"""

from __future__ import annotations

from pathlib import Path

from plmsync.importers.bom_csv import read_bom
from plmsync.importers.sniff import realign_header
from tests.importers.conftest import KICAD_2020


def test_title_block_skipped_and_shifted_columns_realigned(hackrf: Path) -> None:
    parsed = read_bom((hackrf / KICAD_2020).read_bytes())
    assert (parsed.encoding, parsed.delimiter, parsed.header_row) == ("utf-8", ",", 14)
    assert parsed.data_rows == 167
    assert len(parsed.entries) == 142
    designators = [d for e in parsed.entries for d in e.designators]
    assert len(designators) == len(set(designators)) == 417
    assert sum(e.quantity for e in parsed.entries) == 417
    assert len({s.mpn for e in parsed.entries for s in e.sources}) == 71
    inductor = next(e for e in parsed.entries if e.number == "SDWL1608CR56JSTF")
    assert (inductor.designators, inductor.sources[0].manufacturer) == (["L13"], "Sunlord")
    assert inductor.description.startswith("INDUCTOR 560nH")


def test_realign_leaves_a_consistent_header_alone() -> None:
    header = ["Ref", "Qty", "Value"]
    assert realign_header(header, [["R1", "1", "1k"]]) == header
    shifted = ["Ref", "Qty", "Desc", ""]
    assert realign_header(shifted, [["R1", "1", "", "resistor"]]) == ["Ref", "Qty", "", "Desc"]
