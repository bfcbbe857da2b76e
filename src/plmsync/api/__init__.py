"""The HTTP API v1 (FastAPI): `create_app` over services from `bootstrap.build_services`."""

from plmsync.api.app import create_app

__all__ = ["create_app"]
