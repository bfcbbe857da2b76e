"""RabbitMQ: PLM events in (a quorum queue with a dead-letter exchange, manual acks) and
plmsync's CloudEvents out (a topic exchange, publisher confirms)."""
