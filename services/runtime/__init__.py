"""Plumbing shared by every deployable: settings, logging, metrics, health, Kafka and PostgreSQL access."""
