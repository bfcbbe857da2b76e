"""`plmsync_bridge`: the Tryton module that gives Tryton records a PLM identity.

Tryton has no revision, no change number, no find number and no manufacturer; this module adds
them as plain fields, and nothing else (no views, no logic), so activating it changes no
behaviour of the ERP. Its classes are registered from `tryton.cfg` (Tryton 8.2 deprecates a
`register()` function here). trytond finds the module through the `trytond.modules` entry point
`plmsync_bridge` declared in plmsync's pyproject.toml.

This package must stay importable without the rest of plmsync's Tryton adapter: trytond imports
it while it builds its pool.
"""
