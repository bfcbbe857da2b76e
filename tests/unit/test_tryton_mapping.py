"""Pure parts of the Tryton adapter: value mapping, the unit table, error classification."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from plmsync.config import DEFAULT_UNITS
from plmsync.connectors.erp.tryton import errors, mapping, runtime, template
from plmsync.connectors.erp.tryton.units import UnitTable
from plmsync.domain.errors import AuthError, ConfigError, RejectedError, TransientError

runtime.configure()  # before trytond is imported, as the adapter does

from trytond.model import exceptions as tryton  # noqa: E402

UOMS = [
    {"id": 1, "symbol": "u", "digits": 0},
    {"id": 2, "symbol": "kg", "digits": 2},
    {"id": 20, "symbol": "l", "digits": 2},
]


@pytest.mark.parametrize(
    ("stored", "digits", "expected"),
    [(6.0, 0, "6"), (0.05, 2, "0.05"), (10.0, 2, "10"), (0.1 + 0.2, 2, "0.3"), (1.5, 4, "1.5")],
)
def test_quantities_come_back_as_the_decimals_written(
    stored: float, digits: int, expected: str
) -> None:
    value = mapping.quantity_from_erp(stored, digits)
    assert value == Decimal(expected)
    assert str(value) == expected  # same repr, so content hashes match too


def test_plain_never_uses_an_exponent() -> None:
    assert str(mapping.plain(Decimal("1E+2"))) == "100"
    assert str(mapping.plain(Decimal("2.500"))) == "2.5"


def test_designators_round_trip() -> None:
    assert mapping.designators_to_erp(("R1", "R2")) == "R1,R2"
    assert mapping.designators_to_erp(()) is None
    assert mapping.designators_from_erp("R1, R2,") == ("R1", "R2")
    assert mapping.designators_from_erp(None) == ()


def test_names_carry_the_revision() -> None:
    assert mapping.bom_name("PMP-40", "B") == "PMP-40 rev B"
    assert mapping.document_name("DRW-40", "A") == "DRW-40 rev A"
    assert mapping.resource_product(mapping.product_resource(42)) == 42


def test_a_unit_maps_by_symbol_and_back_to_the_code_written() -> None:
    table = UnitTable(DEFAULT_UNITS, UOMS)
    assert table.erp("PCS").id == 1
    assert table.canonical(1, "PCS") == "PCS"
    assert table.canonical(1, "") == "EA"  # first code mapped to `u`
    assert table.canonical(1, "KG") == "EA"  # a recorded code that no longer fits is ignored
    assert table.digits(2) == 2


def test_digits_by_code_cover_only_units_tryton_has() -> None:
    digits = UnitTable(DEFAULT_UNITS, UOMS).digits_by_code()
    assert digits == {"EA": 0, "PCS": 0, "PC": 0, "KG": 2, "L": 2}


def test_an_unmapped_or_missing_unit_is_a_configuration_error() -> None:
    table = UnitTable(DEFAULT_UNITS, UOMS)
    with pytest.raises(ConfigError, match="'FURLONG' has no mapping"):
        table.erp("FURLONG")
    with pytest.raises(ConfigError, match="'M' maps to Tryton symbol 'm'"):
        table.erp("M")


def test_a_digits_refusal_keeps_tryton_words_and_the_model() -> None:
    mapped = errors.translate(
        tryton.DigitsValidationError("6.5 has more than 0 digits"), model="m.x"
    )
    assert isinstance(mapped, RejectedError)
    assert mapped.code == errors.UNIT_PRECISION
    (message,) = mapped.erp_messages
    assert (message.model, message.details["exception"]) == ("m.x", "DigitsValidationError")
    assert "6.5 has more than 0 digits" in message.text


def test_errors_are_classified_by_what_to_do_next() -> None:
    assert isinstance(
        errors.translate(sqlite3.OperationalError("database is locked")), TransientError
    )
    assert isinstance(errors.translate(tryton.AccessError("no access")), AuthError)
    missing = sqlite3.OperationalError("Database '/x.sqlite' doesn't exist!")
    assert isinstance(errors.translate(missing), ConfigError)
    too_big = errors.translate(sqlite3.OperationalError("parser stack overflow"))
    assert isinstance(too_big, RejectedError)
    assert too_big.code == errors.BATCH_TOO_LARGE


def test_a_recursive_bom_is_its_own_refusal() -> None:
    mapped = errors.translate(tryton.RecursionError("PMP-40 contains itself"))
    assert isinstance(mapped, RejectedError)
    assert mapped.code == errors.BOM_RECURSION


def test_python_bugs_are_not_mistaken_for_refusals() -> None:
    assert errors.translate(RecursionError("maximum recursion depth exceeded")) is None
    assert errors.translate(KeyError("x")) is None


def test_the_template_cache_follows_plmsync_cache_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PLMSYNC_CACHE_DIR", str(tmp_path))
    assert template.cache_dir() == tmp_path
    monkeypatch.delenv("PLMSYNC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert template.cache_dir() == tmp_path / "xdg" / "plmsync"


def test_the_template_key_is_stable_and_short() -> None:
    assert template.template_key() == template.template_key()
    assert len(template.template_key()) == 16


def test_a_database_is_named_after_its_absolute_path(tmp_path: Path) -> None:
    name = runtime.database_name(tmp_path / "erp" / "US01.sqlite")
    assert "/" + name + ".sqlite" == str((tmp_path / "erp" / "US01.sqlite").resolve())
