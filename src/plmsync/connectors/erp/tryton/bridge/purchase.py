"""The manufacturer part behind a supplier's offer (AML on top of Tryton's AVL)."""

from trytond.model import fields
from trytond.pool import PoolMeta


class ProductSupplier(metaclass=PoolMeta):  # type: ignore[metaclass]
    __name__ = "purchase.product_supplier"

    manufacturer = fields.Char("Manufacturer", readonly=True)
    plm_status = fields.Char("PLM Status", readonly=True)
    plm_change = fields.Char("PLM Change", readonly=True)
