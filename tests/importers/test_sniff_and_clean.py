"""Sniffing and cleaning on small inputs: byte-order marks, delimiters, preambles, Unicode."""

from __future__ import annotations

import codecs

import pytest

from plmsync.importers.bom_csv import clean_part_number, read_bom
from plmsync.importers.sniff import decode, find_header, sniff_delimiter


def test_byte_order_marks_are_detected_and_dropped() -> None:
    text = "Ref;Qty\nR1;1\n"
    assert decode(codecs.BOM_UTF8 + text.encode()) == (text, "utf-8-sig")
    assert decode(text.encode("utf-16"))[0] == text
    assert decode("Ref,Value\nC1,1µF\n".encode("cp1252")) == ("Ref,Value\nC1,1µF\n", "cp1252")


def test_delimiter_falls_back_to_the_most_frequent_candidate() -> None:
    assert sniff_delimiter("a\tb\tc\n1\t2\t3\n") == "\t"
    assert sniff_delimiter("ref;value\nC1;33pF\nC2;10nF\n") == ";"
    assert sniff_delimiter("single") == ","


def test_header_is_found_past_a_title_block() -> None:
    rows = [["Title", "Board"], ["Revision", ""], [], ["Ref", "Value", "Qty"], ["R1", "1k", "1"]]
    assert find_header(rows) == 3
    with pytest.raises(ValueError, match="no header row"):
        find_header([["a", "b"], ["1", "2"]])


def test_part_numbers_lose_stray_tabs_and_odd_unicode() -> None:
    assert clean_part_number("\tLMK105BJ225MV\u2212F ") == "LMK105BJ225MV-F"
    assert clean_part_number("ABC\u200b123") == "ABC123"


def test_per_designator_rows_group_and_designator_lists_split() -> None:
    per_designator = b"Ref,Value,MPN\nR1,1k,RC0402-1K\nR2,1k,RC0402\xe2\x88\x921K\nC1,1u,\n"
    parsed = read_bom(per_designator)
    assert [(e.number, e.quantity, e.designators) for e in parsed.entries] == [
        ("RC0402-1K", 2, ["R1", "R2"]),
        ("1u", 1, ["C1"]),
    ]
    grouped = b'Reference(s)\tQty\tValue\n"R1, R2 R3"\t3\t1k\n'
    assert read_bom(grouped).entries[0].designators == ["R1", "R2", "R3"]
