"""The real exports, read in place from ../shared/data (never copied here)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
HACKRF = SHARED / "hackrf_one_bom"
REV_2013 = "hackrf-one-bom_2013-12-23_934303d3.csv"
REV_2014 = "hackrf-one-bom_2014-03-16_453998d7.csv"
GROUPED_2016 = "hackrf-one-bom_2016-07-07_92e015f4_grouped.csv"
MULTI_MPN_2018 = "hackrf-one-bom_2018-03-14_b0a94ca7_kitspace_multi_mpn.tsv"
KICAD_2020 = "hackrf-one.bom_2020-09-07_4a058d3d.csv"


def shared_folder(name: str) -> Path:
    """A folder of ../shared/data, or skip the test (with the reason) when it is absent."""
    folder = SHARED / name
    if not folder.is_dir():
        pytest.skip(f"shared data folder {folder} is absent")
    return folder


@pytest.fixture
def hackrf() -> Path:
    return shared_folder("hackrf_one_bom")


@pytest.fixture
def glasgow() -> Path:
    return shared_folder("glasgow_revA-C3_bom")
