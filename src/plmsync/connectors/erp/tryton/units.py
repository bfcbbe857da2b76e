"""Canonical unit codes (EA, KG…) ↔ Tryton `product.uom` records, per plmsync.yaml `units`.

Several canonical codes may name one Tryton unit (EA, PCS → `u`). Writes record the code they
were given (`plm_uom`), so a read returns it as long as it still maps to the record's unit;
otherwise (a unit changed in the ERP) the first code in the table that maps to it is used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plmsync.config import UnitMapping
from plmsync.domain.errors import ConfigError

UOM_FIELDS = ("id", "symbol", "digits")


@dataclass(frozen=True)
class TrytonUnit:
    id: int
    symbol: str
    digits: int


class UnitTable:
    def __init__(self, mapping: Mapping[str, UnitMapping], uoms: Sequence[Mapping[str, Any]]):
        self._mapping = dict(mapping)
        self._by_symbol = {str(u["symbol"]): _unit(u) for u in uoms}
        self._by_id = {unit.id: unit for unit in self._by_symbol.values()}

    def erp(self, code: str) -> TrytonUnit:
        """The Tryton unit a canonical code maps to; a clear error naming the code if none."""
        mapping = self._mapping.get(code)
        if mapping is None:
            raise ConfigError(
                f"unit {code!r} has no mapping in plmsync.yaml `units`",
                remedy=f"Add `{code}: {{erp: <Tryton symbol>, category: …}}` under `units`.",
            )
        unit = self._by_symbol.get(mapping.erp)
        if unit is None:
            raise ConfigError(
                f"unit {code!r} maps to Tryton symbol {mapping.erp!r}, which Tryton lacks",
                remedy="Create that unit in Tryton or map the code to an existing symbol.",
            )
        return unit

    def canonical(self, uom_id: int, recorded: str | None = None) -> str:
        """The canonical code for a Tryton unit, preferring the code recorded on write."""
        unit = self._by_id.get(uom_id)
        symbol = unit.symbol if unit else ""
        if recorded and self._symbol_of(recorded) == symbol:
            return recorded
        codes = [code for code, m in self._mapping.items() if m.erp == symbol]
        return codes[0] if codes else symbol

    def digits(self, uom_id: int) -> int:
        unit = self._by_id.get(uom_id)
        return unit.digits if unit else 0

    def digits_by_code(self) -> dict[str, int]:
        """Decimal digits Tryton keeps, for every canonical code it has a unit for."""
        known = {code: self._by_symbol.get(m.erp) for code, m in self._mapping.items()}
        return {code: unit.digits for code, unit in known.items() if unit is not None}

    def _symbol_of(self, code: str) -> str | None:
        mapping = self._mapping.get(code)
        return mapping.erp if mapping else None


def _unit(row: Mapping[str, Any]) -> TrytonUnit:
    return TrytonUnit(id=int(row["id"]), symbol=str(row["symbol"]), digits=int(row["digits"]))
