"""PLM identity of an item: Tryton keeps the item number in `code`, the rest lives here."""

from trytond.model import fields
from trytond.pool import PoolMeta


class Product(metaclass=PoolMeta):  # type: ignore[metaclass]
    __name__ = "product.product"

    plm_revision = fields.Char("PLM Revision", readonly=True)
    plm_change = fields.Char("PLM Change", readonly=True, help="Last change that touched it.")
    plm_item_type = fields.Char("PLM Item Type", readonly=True)
    # Several PLM unit codes may map to one Tryton unit (EA, PCS → u); keeping the code the item
    # was released with lets a read give back exactly what was written.
    plm_uom = fields.Char("PLM Unit", readonly=True)
