"""Configuration from the environment, read once in each process's bootstrap (never at import time).

Prefixes follow the concern: ``KAFKA_…``, ``DATABASE_URL``/``PG_…``, ``SERVICE_…``. Values given from outside
(``KAFKA_BOOTSTRAP_SERVERS``, ``DATABASE_URL``) always win over the local defaults that ``make infra-up``
provides.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import unquote, urlparse

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_PG_URL = "postgresql://motcua:motcua-local-dev@127.0.0.1:{port}/{db}"


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = ""
    port: int = 9092  # used only when bootstrap_servers is not given: the local broker of deploy/local
    client_id_prefix: str = "motcua"
    request_timeout_ms: int = 15_000
    # Prefix for every topic name, so several environments (or test runs) can share one cluster.
    topic_namespace: str = ""

    @property
    def servers(self) -> str:
        return self.bootstrap_servers or f"127.0.0.1:{self.port}"


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    database_url: SecretStr | None = Field(default=None, alias="DATABASE_URL")
    pg_port: int = Field(default=5433, alias="PG_PORT")
    pg_db: str = Field(default="motcua", alias="PG_DB")
    pool_size: int = Field(default=5, alias="PG_POOL_SIZE")

    @property
    def url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return LOCAL_PG_URL.format(port=self.pg_port, db=self.pg_db)

    def eventsourcing_env(self, schema: str) -> dict[str, str]:
        """The ``POSTGRES_*`` keys eventsourcing reads, for an application that owns ``schema``."""
        u = urlparse(self.url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": u.path.lstrip("/"),
            "POSTGRES_HOST": u.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(u.port or 5432),
            "POSTGRES_USER": unquote(u.username or ""),
            "POSTGRES_PASSWORD": unquote(u.password or ""),
            "POSTGRES_SCHEMA": schema,
            "POSTGRES_POOL_SIZE": str(self.pool_size),
            "POSTGRES_CONNECT_TIMEOUT": "5",
        }


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SERVICE_", extra="ignore")

    host: str = "127.0.0.1"
    port: int | None = None  # each deployable has a default port in services.deployables
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    environment: Literal["local", "ci", "production"] = "local"
    # Prefix of every PostgreSQL schema this process owns, so test runs and demos can sit side by side.
    schema_prefix: str = ""
    workers: int = Field(default=1, ge=1, le=32)  # uvicorn worker processes (APIs only)
    clock: Literal["system", "simulated"] = "system"
    clock_start: datetime | None = None
    clock_rate: float = 1.0

    def schema_name(self, name: str) -> str:
        return f"{self.schema_prefix}{name}"
