"""Who owns an error: the role or queue an exception or a validation issue is routed to.

Configured routes (`rules.error_routing`) are matched most specific first: the exact code, then
the longest code prefix, then the error's class or one of its base classes. Without a route,
a validation code goes to the owner its catalogue entry names, anything else to the
integration admin.
"""

from __future__ import annotations

from plmsync.domain.issues import CATALOGUE
from plmsync.domain.rules import DEFAULT_RULES, Rules

DEFAULT_ROLE = "integration_admin"


def route_error(
    code: str, error_type: type[BaseException] | None = None, rules: Rules = DEFAULT_RULES
) -> str:
    routes = rules.error_routing
    prefixes = [key for key in routes if key.startswith("PLMSYNC-") and code.startswith(key)]
    if prefixes:
        return routes[max(prefixes, key=len)]
    for cls in error_type.__mro__ if error_type else ():
        if cls.__name__ in routes:
            return routes[cls.__name__]
    rule = CATALOGUE.get(code)
    return rule.owner if rule else DEFAULT_ROLE
