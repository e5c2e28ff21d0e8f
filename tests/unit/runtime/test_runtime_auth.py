"""Bearer tokens: who may call what, and a precise 401/403 problem when they may not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.runtime.auth import (
    LOCAL_DEV_SECRET,
    AuthSettings,
    Principal,
    Role,
    install_auth,
    issue_token,
    require_roles,
    verify_token,
)
from services.runtime.problems import MEDIA_TYPE, install_problem_handlers, problem_type

SECRET = "s3cret-for-unit-tests-only-0123456789abcdef"


def clear_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AUTH_SECRET", "AUTH_ALGORITHM", "AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_LEEWAY"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture(autouse=True)
def _defaults_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand-made tokens below use the default issuer and audience: the caller's AUTH_* must not leak in."""
    clear_env(monkeypatch)


@pytest.fixture
def settings() -> AuthSettings:
    return AuthSettings(secret=SECRET, environment="ci")


def build_app(settings: AuthSettings) -> FastAPI:
    app = FastAPI()

    @app.post("/dossiers/{code}/receive")
    async def receive(
        code: str,
        principal: Annotated[Principal, Depends(require_roles(Role.COUNTER_OFFICER, Role.AGENCY_LEAD))],
    ) -> dict[str, Any]:
        return {
            "code": code,
            "subject": principal.subject,
            "roles": sorted(principal.roles),
            "unit_code": principal.unit_code,
            "token_id": principal.token_id,
        }

    @app.get("/me")
    async def me(principal: Annotated[Principal, Depends(require_roles())]) -> dict[str, Any]:
        return {"subject": principal.subject, "partner_id": principal.partner_id}

    install_auth(app, settings)
    install_problem_handlers(app)
    return app


@pytest.fixture
def client(settings: AuthSettings) -> TestClient:
    return TestClient(build_app(settings))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def officer_token(settings: AuthSettings, **kwargs: Any) -> str:
    return issue_token(
        settings, "cb-0042", [Role.COUNTER_OFFICER], timedelta(hours=8), unit_code="H44.06", **kwargs
    )


def assert_401(response: Any, kind: str) -> dict[str, Any]:
    assert response.status_code == 401
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    body: dict[str, Any] = response.json()
    assert body["type"] == problem_type(f"token-{kind}")
    assert body["detail_vi"]
    return body


def test_right_role_gets_through_with_its_principal(client: TestClient, settings: AuthSettings) -> None:
    response = client.post("/dossiers/H44.06-1/receive", headers=bearer(officer_token(settings)))
    assert response.status_code == 200
    body = response.json()
    assert body["subject"] == "cb-0042"
    assert body["roles"] == ["counter_officer"]
    assert body["unit_code"] == "H44.06"
    assert body["token_id"]


def test_any_of_the_roles_is_enough(client: TestClient, settings: AuthSettings) -> None:
    lead = issue_token(
        settings, "ld-1", [Role.AGENCY_LEAD, Role.AUDITOR], timedelta(minutes=5), unit_code="H44.06"
    )
    assert client.post("/dossiers/x/receive", headers=bearer(lead)).status_code == 200


def test_missing_token(client: TestClient) -> None:
    body = assert_401(client.post("/dossiers/x/receive"), "missing")
    assert "Bearer" in body["detail"]


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token abc"])
def test_malformed_authorization_header(client: TestClient, header: str) -> None:
    assert_401(client.post("/dossiers/x/receive", headers={"Authorization": header}), "malformed")


def test_not_a_jwt(client: TestClient) -> None:
    assert_401(client.post("/dossiers/x/receive", headers=bearer("not.a.jwt")), "malformed")


def test_expired_token(client: TestClient, settings: AuthSettings) -> None:
    old = issue_token(
        settings,
        "cb-0042",
        [Role.COUNTER_OFFICER],
        timedelta(hours=1),
        unit_code="H44.06",
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    body = assert_401(client.post("/dossiers/x/receive", headers=bearer(old)), "expired")
    assert "expired" in body["detail"]
    assert (
        'error_description="The token has expired"'
        in client.get("/me", headers=bearer(old)).headers["www-authenticate"]
    )


def test_leeway_tolerates_small_clock_skew(client: TestClient, settings: AuthSettings) -> None:
    just_expired = officer_token(settings, now=datetime.now(UTC) - timedelta(hours=8, seconds=10))
    assert client.post("/dossiers/x/receive", headers=bearer(just_expired)).status_code == 200
    strict = AuthSettings(secret=SECRET, environment="ci", leeway=0)
    assert TestClient(build_app(strict)).get("/me", headers=bearer(just_expired)).status_code == 401


def test_bad_signature(client: TestClient, settings: AuthSettings) -> None:
    forged_settings = AuthSettings(secret="another-secret-of-sufficient-length-xyz!", environment="ci")
    forged = officer_token(forged_settings)
    assert_401(client.post("/dossiers/x/receive", headers=bearer(forged)), "bad-signature")
    # a forged token that is also expired says "bad signature", never anything about its claims
    forged_old = officer_token(forged_settings, now=datetime.now(UTC) - timedelta(days=2))
    assert_401(client.post("/dossiers/x/receive", headers=bearer(forged_old)), "bad-signature")


def test_unsigned_token_is_refused(client: TestClient) -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "sub": "x",
        "roles": ["operator"],
        "iss": "motcua",
        "aud": "motcua-api",
        "iat": now,
        "exp": now + 60,
        "jti": "1",
    }
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    assert_401(client.get("/me", headers=bearer(unsigned)), "invalid")


def test_other_audience_or_issuer_is_refused(client: TestClient) -> None:
    foreign = AuthSettings(secret=SECRET, environment="ci", audience="dvcqg")
    assert_401(client.get("/me", headers=bearer(officer_token(foreign))), "invalid")
    other_issuer = AuthSettings(secret=SECRET, environment="ci", issuer="someone-else")
    assert_401(client.get("/me", headers=bearer(officer_token(other_issuer))), "invalid")


def test_missing_claim_is_named(client: TestClient) -> None:
    now = int(datetime.now(UTC).timestamp())
    no_jti = {"sub": "x", "roles": [], "iss": "motcua", "aud": "motcua-api", "iat": now, "exp": now + 60}
    token = jwt.encode(no_jti, SECRET, algorithm="HS256")
    body = assert_401(client.get("/me", headers=bearer(token)), "invalid")
    assert "jti" in body["detail"]


def test_officer_token_without_unit_is_invalid(client: TestClient) -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "sub": "cb-1",
        "roles": ["processing_officer"],
        "iss": "motcua",
        "aud": "motcua-api",
        "iat": now,
        "exp": now + 60,
        "jti": "j",
    }
    body = assert_401(client.get("/me", headers=bearer(jwt.encode(claims, SECRET, "HS256"))), "invalid")
    assert "unit_code" in body["detail"]


def test_wrong_role_is_403_naming_the_roles_needed(client: TestClient, settings: AuthSettings) -> None:
    applicant = issue_token(settings, "citizen-1", [Role.APPLICANT], timedelta(minutes=10))
    response = client.post("/dossiers/x/receive", headers=bearer(applicant))
    assert response.status_code == 403
    assert response.headers["content-type"] == MEDIA_TYPE
    body = response.json()
    assert body["type"] == problem_type("role-required")
    assert body["required_roles"] == ["agency_lead", "counter_officer"]
    assert "agency_lead" in body["detail"] and "counter_officer" in body["detail"]
    assert "applicant" in body["detail"]
    assert "vai trò" in body["detail_vi"]
    # but it is authenticated: a route that needs no particular role lets it in
    assert client.get("/me", headers=bearer(applicant)).json()["subject"] == "citizen-1"


def test_unknown_roles_grant_nothing_and_break_nothing(client: TestClient) -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "sub": "cb-9",
        "roles": ["counter_officer", "superuser"],
        "unit_code": "H44.06",
        "iss": "motcua",
        "aud": "motcua-api",
        "iat": now,
        "exp": now + 60,
        "jti": "j",
    }
    response = client.post("/dossiers/x/receive", headers=bearer(jwt.encode(claims, SECRET, "HS256")))
    assert response.status_code == 200
    assert response.json()["roles"] == ["counter_officer"]


def test_postal_partner_carries_its_partner_id(client: TestClient, settings: AuthSettings) -> None:
    token = issue_token(
        settings, "vnpost-api", [Role.POSTAL_PARTNER], timedelta(hours=1), partner_id="VNPOST"
    )
    assert client.get("/me", headers=bearer(token)).json() == {
        "subject": "vnpost-api",
        "partner_id": "VNPOST",
    }


def test_issue_token_refuses_incoherent_tokens(settings: AuthSettings) -> None:
    with pytest.raises(ValueError, match="unit_code"):
        issue_token(settings, "cb", [Role.COUNTER_OFFICER], timedelta(hours=1))
    with pytest.raises(ValueError, match="partner_id"):
        issue_token(settings, "p", [Role.POSTAL_PARTNER], timedelta(hours=1))
    with pytest.raises(ValueError, match="at least one role"):
        issue_token(settings, "x", [], timedelta(hours=1))
    with pytest.raises(ValueError, match="ttl"):
        issue_token(settings, "x", [Role.AUDITOR], timedelta(0))
    with pytest.raises(ValueError):
        issue_token(settings, "x", ["root"], timedelta(hours=1))


def test_token_claims_round_trip(settings: AuthSettings) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    token = issue_token(
        settings,
        "cb-7",
        ["processing_officer"],
        timedelta(hours=2),
        unit_code="H44.12",
        now=now,
        token_id="t-1",
    )
    principal = verify_token(settings, token)
    assert principal == Principal(
        subject="cb-7",
        roles=frozenset({Role.PROCESSING_OFFICER}),
        token_id="t-1",
        unit_code="H44.12",
        expires_at=now + timedelta(hours=2),
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {"sub", "roles", "unit_code", "iss", "aud", "iat", "exp", "jti"}


def test_require_roles_rejects_misspelt_roles_at_declaration() -> None:
    with pytest.raises(ValueError):
        require_roles("counter-officer")


def test_app_without_install_auth_fails_loudly() -> None:
    app = FastAPI()

    @app.get("/me")
    async def me(principal: Annotated[Principal, Depends(require_roles())]) -> str:
        return principal.subject

    install_problem_handlers(app)
    response = TestClient(app, raise_server_exceptions=False).get("/me", headers=bearer("x"))
    assert response.status_code == 500


# -- settings ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ["local", "ci"])
def test_development_environments_have_a_working_default(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("SERVICE_ENVIRONMENT", environment)
    settings = AuthSettings()
    assert settings.uses_development_secret
    token = issue_token(settings, "dev", [Role.OPERATOR], timedelta(minutes=1))
    assert verify_token(settings, token).subject == "dev"


def test_production_without_secret_is_a_startup_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_ENVIRONMENT", "production")
    with pytest.raises(ValidationError) as raised:
        AuthSettings()
    message = str(raised.value)
    assert "AUTH_SECRET" in message and "production" in message and "32 bytes" in message


def test_production_reads_its_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH_SECRET", "p" * 40)
    monkeypatch.setenv("AUTH_LEEWAY", "5")
    settings = AuthSettings()
    assert settings.signing_key == "p" * 40
    assert settings.leeway == 5
    assert not settings.uses_development_secret
    assert "p" * 40 not in repr(settings)


def test_production_may_not_use_the_published_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH_SECRET", LOCAL_DEV_SECRET)
    with pytest.raises(ValidationError, match="development secret"):
        AuthSettings()


def test_short_secrets_are_refused_everywhere() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        AuthSettings(secret="short", environment="local")
    with pytest.raises(ValidationError, match="at least 64"):
        AuthSettings(secret="x" * 40, algorithm="HS512", environment="ci")
