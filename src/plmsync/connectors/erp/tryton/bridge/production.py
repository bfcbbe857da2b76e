"""PLM identity of a BOM revision and of its lines."""

from trytond.model import fields
from trytond.pool import PoolMeta


class Bom(metaclass=PoolMeta):  # type: ignore[metaclass]
    __name__ = "production.bom"

    plm_item = fields.Char("PLM Item", readonly=True)
    plm_revision = fields.Char("PLM Revision", readonly=True)
    plm_change = fields.Char("PLM Change", readonly=True)


class BomInput(metaclass=PoolMeta):  # type: ignore[metaclass]
    __name__ = "production.bom.input"

    find_number = fields.Integer("Find Number", readonly=True)
    reference_designators = fields.Char(
        "Reference Designators", readonly=True, help="Comma-separated, as released in PLM."
    )
    plm_uom = fields.Char("PLM Unit", readonly=True)
