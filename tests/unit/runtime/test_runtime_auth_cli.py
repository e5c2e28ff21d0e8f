"""`motcua token …`: development tokens that the APIs accept, and their claims read back."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import typer
from typer.testing import CliRunner

from services.cli import app, parse_duration
from services.runtime.auth import AuthSettings, Role, verify_token

runner = CliRunner()


@pytest.fixture(autouse=True)
def local_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AUTH_SECRET", "AUTH_ALGORITHM", "AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_LEEWAY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SERVICE_ENVIRONMENT", "local")


def test_issue_prints_a_token_the_apis_accept() -> None:
    result = runner.invoke(
        app,
        [
            "token",
            "issue",
            "--role",
            "counter_officer",
            "--role",
            "auditor",
            "--sub",
            "cb-9",
            "--unit",
            "H44.06",
        ],
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    principal = verify_token(AuthSettings(), token)
    assert principal.subject == "cb-9"
    assert principal.roles == {Role.COUNTER_OFFICER, Role.AUDITOR}
    assert principal.unit_code == "H44.06"
    assert principal.expires_at is not None


def test_ttl_sets_the_expiry() -> None:
    result = runner.invoke(app, ["token", "issue", "--role", "operator", "--sub", "op", "--ttl", "90m"])
    claims = json.loads(runner.invoke(app, ["token", "decode", result.stdout.strip()]).stdout)
    assert claims["exp"] - claims["iat"] == 90 * 60
    assert claims["roles"] == ["operator"]


def test_partner_token() -> None:
    result = runner.invoke(
        app, ["token", "issue", "--role", "postal_partner", "--sub", "vnpost", "--partner", "VNPOST"]
    )
    assert verify_token(AuthSettings(), result.stdout.strip()).partner_id == "VNPOST"


def test_incoherent_or_unknown_roles_are_refused() -> None:
    no_unit = runner.invoke(app, ["token", "issue", "--role", "agency_lead", "--sub", "x"])
    assert no_unit.exit_code != 0
    assert "unit_code" in no_unit.output
    unknown = runner.invoke(app, ["token", "issue", "--role", "root", "--sub", "x"])
    assert unknown.exit_code != 0


def test_issue_refuses_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH_SECRET", "q" * 48)
    result = runner.invoke(app, ["token", "issue", "--role", "operator", "--sub", "op"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "production" in result.output


def test_missing_production_secret_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_ENVIRONMENT", "production")
    result = runner.invoke(app, ["token", "decode", "abc"])
    assert result.exit_code == 2
    assert "AUTH_SECRET" in result.output


def test_decode_rejects_a_forged_token_unless_asked_not_to_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_SECRET", "f" * 40)
    forged = runner.invoke(app, ["token", "issue", "--role", "auditor", "--sub", "a"]).stdout.strip()
    monkeypatch.delenv("AUTH_SECRET")
    rejected = runner.invoke(app, ["token", "decode", forged])
    assert rejected.exit_code == 1
    assert "bad-signature" in rejected.output
    unverified = runner.invoke(app, ["token", "decode", "--no-verify", forged])
    assert unverified.exit_code == 0
    assert json.loads(unverified.stdout)["sub"] == "a"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8h", timedelta(hours=8)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("45s", timedelta(seconds=45)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "8", "h", "0h", "8 hours", "1m1h", "-1h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(typer.BadParameter, match="duration"):
        parse_duration(text)
