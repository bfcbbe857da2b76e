"""A PLM document revision linked to a record (plmsync only touches links carrying these)."""

from trytond.model import fields
from trytond.pool import PoolMeta


class Attachment(metaclass=PoolMeta):  # type: ignore[metaclass]
    __name__ = "ir.attachment"

    plm_document = fields.Char("PLM Document", readonly=True)
    plm_revision = fields.Char("PLM Revision", readonly=True)
    plm_change = fields.Char("PLM Change", readonly=True)
    plm_doc_type = fields.Char("PLM Document Type", readonly=True)
