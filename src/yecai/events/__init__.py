"""Transactional outbox and an in-process dispatcher (NATS JetStream comes later)."""
