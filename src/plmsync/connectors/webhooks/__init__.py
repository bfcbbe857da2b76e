"""Outbound webhooks: plmsync's CloudEvents POSTed to subscribers, Standard Webhooks signed."""
