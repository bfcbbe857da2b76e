"""plmsync: keeps ERP in step with PLM."""

__version__ = "0.1.0"
