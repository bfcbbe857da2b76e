"""Metrics (Prometheus) and structured logs (structlog) for the service."""
