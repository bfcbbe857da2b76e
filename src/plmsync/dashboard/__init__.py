"""The operations dashboard: server-rendered pages (Jinja2) with htmx for partial updates,
mounted on the API application under `/ui`; people sign in with a client name and secret."""
