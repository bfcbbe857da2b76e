"""The Tryton ERP target (see docs/erp/tryton.md).

Importing this package must stay cheap and must not import trytond: trytond itself imports the
`bridge` subpackage while building its pool. Public names are loaded on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "TrytonErp": "plmsync.connectors.erp.tryton.adapter",
    "create_database": "plmsync.connectors.erp.tryton.template",
    "write_direct": "plmsync.connectors.erp.tryton.floor",
}

__all__ = ["TrytonErp", "create_database", "write_direct"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(name)
    return getattr(import_module(_EXPORTS[name]), name)
