"""The HackRF One BOM exports, read in place from ../shared/data (never copied here)."""

from __future__ import annotations

from pathlib import Path

import pytest

HACKRF = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "hackrf_one_bom"
REV_2013 = "hackrf-one-bom_2013-12-23_934303d3.csv"
REV_2014 = "hackrf-one-bom_2014-03-16_453998d7.csv"
GROUPED_2016 = "hackrf-one-bom_2016-07-07_92e015f4_grouped.csv"
MULTI_MPN_2018 = "hackrf-one-bom_2018-03-14_b0a94ca7_kitspace_multi_mpn.tsv"
KICAD_2020 = "hackrf-one.bom_2020-09-07_4a058d3d.csv"


@pytest.fixture
def hackrf() -> Path:
    if not HACKRF.is_dir():
        pytest.skip(f"shared data folder {HACKRF} is absent")
    return HACKRF
