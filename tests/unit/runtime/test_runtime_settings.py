"""Settings come from the environment at bootstrap, and outside servers win over local defaults."""

from __future__ import annotations

import pytest

from services.runtime.settings import DatabaseSettings, KafkaSettings


def test_local_defaults_point_at_the_private_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_PORT", "DATABASE_URL", "PG_PORT", "PG_DB"):
        monkeypatch.delenv(key, raising=False)
    assert KafkaSettings().servers == "127.0.0.1:9092"
    assert DatabaseSettings().url == "postgresql://motcua:motcua-local-dev@127.0.0.1:5433/motcua"


def test_given_servers_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "10.0.0.5:29092")
    monkeypatch.setenv("KAFKA_PORT", "1")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u%40x:p%3Aw@db.example:6543/prod")
    assert KafkaSettings().servers == "10.0.0.5:29092"
    env = DatabaseSettings().eventsourcing_env("intake")
    assert env["POSTGRES_HOST"] == "db.example"
    assert env["POSTGRES_PORT"] == "6543"
    assert env["POSTGRES_DBNAME"] == "prod"
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("u@x", "p:w")  # percent-decoded
    assert env["POSTGRES_SCHEMA"] == "intake"
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"


def test_database_url_is_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:secret@h/db")
    assert "secret" not in repr(DatabaseSettings())
