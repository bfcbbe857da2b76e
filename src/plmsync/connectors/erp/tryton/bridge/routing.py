"""PLM identity of a routing, and the work center and times of its steps.

Work centers are kept as codes on the step rather than as `production.work.center` records:
that model lives in `production_work`, which would pull shop-floor tracking into every plant
database only to hold a code.
"""

from trytond.model import fields
from trytond.pool import PoolMeta


class Routing(metaclass=PoolMeta):  # type: ignore[metaclass]
    __name__ = "production.routing"

    plm_item = fields.Char("PLM Item", readonly=True)
    plm_revision = fields.Char("PLM Revision", readonly=True)
    plm_change = fields.Char("PLM Change", readonly=True)


class RoutingStep(metaclass=PoolMeta):  # type: ignore[metaclass]
    __name__ = "production.routing.step"

    work_center_code = fields.Char("Work Center", readonly=True)
    setup_time = fields.Numeric("Setup Time", digits=(12, 4), readonly=True)
    run_time = fields.Numeric("Run Time", digits=(12, 4), readonly=True)
