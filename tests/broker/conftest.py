from tests.broker.rabbit import broker_config, rabbitmq

__all__ = ["broker_config", "rabbitmq"]
