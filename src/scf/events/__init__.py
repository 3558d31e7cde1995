"""Events past one machine: the audit log relayed to NATS JetStream and its durable consumers."""
