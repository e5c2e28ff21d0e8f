"""Who is calling: JWT bearer tokens (HMAC-signed, PyJWT), the platform's roles, and a role check per route.

A route declares the roles it accepts::

    @router.post("/dossiers/{dossier_id}/receive")
    async def receive(principal: Annotated[Principal, Depends(require_roles(Role.COUNTER_OFFICER))]): ...

and the app is given its settings once, at bootstrap: ``install_auth(app, AuthSettings())``. Any failure is
a problem-details answer (``services.runtime.problems``): 401 with ``WWW-Authenticate: Bearer
error="invalid_token"`` saying whether the token is missing, malformed, expired, badly signed or otherwise
invalid; 403 naming the roles the route needs. docs/adr/0400 explains the choices.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

import jwt
from fastapi import FastAPI, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .problems import ProblemError


class Role(StrEnum):
    APPLICANT = "applicant"
    COUNTER_OFFICER = "counter_officer"
    PROCESSING_OFFICER = "processing_officer"
    AGENCY_LEAD = "agency_lead"
    POSTAL_PARTNER = "postal_partner"
    AUDITOR = "auditor"
    OPERATOR = "operator"


OFFICER_ROLES = frozenset({Role.COUNTER_OFFICER, Role.PROCESSING_OFFICER, Role.AGENCY_LEAD})
"""Roles that act for a unit: their tokens must carry ``unit_code``."""

# Signing with a known key is only acceptable where every token is a test token.
LOCAL_DEV_SECRET = "motcua-local-development-only-secret-never-use-in-production"
DEVELOPMENT_ENVIRONMENTS = frozenset({"local", "ci"})
# RFC 7518 §3.2: an HMAC key must be at least as long as the hash output.
MIN_SECRET_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
REQUIRED_CLAIMS = ("sub", "roles", "iss", "aud", "iat", "exp", "jti")
_KNOWN_ROLES = frozenset(r.value for r in Role)


class AuthSettings(BaseSettings):
    """``AUTH_SECRET``, ``AUTH_ALGORITHM``, ``AUTH_ISSUER``, ``AUTH_AUDIENCE``, ``AUTH_LEEWAY`` (seconds).

    ``SERVICE_ENVIRONMENT`` decides whether a missing secret falls back to the local development one.
    """

    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore", validate_by_name=True)

    secret: SecretStr | None = None
    algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    issuer: str = "motcua"
    audience: str = "motcua-api"
    leeway: int = Field(default=30, ge=0, le=300, description="clock skew tolerated on exp/iat, seconds")
    environment: Literal["local", "ci", "production"] = Field(
        default="local", validation_alias="SERVICE_ENVIRONMENT"
    )

    @model_validator(mode="after")
    def _secret_fits_environment(self) -> AuthSettings:
        development = self.environment in DEVELOPMENT_ENVIRONMENTS
        if self.secret is None:
            if not development:
                raise ValueError(
                    f"AUTH_SECRET is not set and SERVICE_ENVIRONMENT={self.environment}: tokens cannot be "
                    "verified. Only local and ci fall back to a built-in development secret, which anyone "
                    "can read in the source. Give a random secret of at least "
                    f"{MIN_SECRET_BYTES[self.algorithm]} bytes, e.g. from "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`, shared by every API."
                )
            return self
        value = self.secret.get_secret_value()
        if not development and value == LOCAL_DEV_SECRET:
            raise ValueError(
                "AUTH_SECRET is the published local development secret; "
                f"SERVICE_ENVIRONMENT={self.environment} needs a secret of its own"
            )
        if len(value.encode()) < MIN_SECRET_BYTES[self.algorithm]:
            raise ValueError(
                f"AUTH_SECRET is {len(value.encode())} bytes; {self.algorithm} needs at least "
                f"{MIN_SECRET_BYTES[self.algorithm]} (RFC 7518 §3.2)"
            )
        return self

    @property
    def signing_key(self) -> str:
        return self.secret.get_secret_value() if self.secret is not None else LOCAL_DEV_SECRET

    @property
    def uses_development_secret(self) -> bool:
        return self.secret is None


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as its token describes it."""

    subject: str
    roles: frozenset[Role]
    token_id: str
    unit_code: str | None = None
    partner_id: str | None = None
    expires_at: datetime | None = None

    def has_any(self, roles: Iterable[Role]) -> bool:
        return not self.roles.isdisjoint(roles)


def _check_attributes(roles: frozenset[Role], unit_code: str | None, partner_id: str | None) -> str | None:
    """Why this combination cannot be a token, or ``None``."""
    if not roles:
        return "a token needs at least one role"
    if roles & OFFICER_ROLES and not unit_code:
        needing = ", ".join(sorted(roles & OFFICER_ROLES))
        return f"role(s) {needing} act for a unit and need unit_code"
    if Role.POSTAL_PARTNER in roles and not partner_id:
        return "role postal_partner needs partner_id"
    return None


def issue_token(
    settings: AuthSettings,
    subject: str,
    roles: Iterable[Role | str],
    ttl: timedelta,
    unit_code: str | None = None,
    partner_id: str | None = None,
    *,
    now: datetime | None = None,
    token_id: str | None = None,
) -> str:
    """A signed token for ``subject`` valid for ``ttl`` from ``now`` (default: the current time)."""
    if not subject:
        raise ValueError("subject must not be empty")
    if ttl <= timedelta(0):
        raise ValueError(f"ttl must be positive, got {ttl}")
    granted = frozenset(Role(r) for r in roles)
    if (problem := _check_attributes(granted, unit_code, partner_id)) is not None:
        raise ValueError(problem)
    issued = now or datetime.now(UTC)
    if issued.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": sorted(granted),
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": token_id or str(uuid.uuid4()),
    }
    if unit_code:
        claims["unit_code"] = unit_code
    if partner_id:
        claims["partner_id"] = partner_id
    return jwt.encode(claims, settings.signing_key, algorithm=settings.algorithm)


# -- verification ------------------------------------------------------------------------------------------


class TokenRejected(Exception):
    """A token that authenticates nobody; ``kind`` is the problem slug suffix, ``reason`` plain ASCII."""

    def __init__(self, kind: str, reason: str, reason_vi: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.reason_vi = reason_vi


def decode_claims(settings: AuthSettings, token: str) -> dict[str, Any]:
    """The verified claims of ``token`` (signature, algorithm, issuer, audience, times, required claims)."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.signing_key,
            algorithms=[settings.algorithm],
            audience=settings.audience,
            issuer=settings.issuer,
            leeway=settings.leeway,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenRejected("expired", "The token has expired", "Mã truy cập đã hết hạn") from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenRejected(
            "bad-signature",
            "The token signature does not verify",
            "Chữ ký của mã truy cập không hợp lệ",
        ) from exc
    except jwt.InvalidAlgorithmError as exc:
        raise TokenRejected(
            "invalid",
            f"The token is not signed with {settings.algorithm}",
            f"Mã truy cập không được ký bằng {settings.algorithm}",
        ) from exc
    except jwt.MissingRequiredClaimError as exc:
        raise TokenRejected(
            "invalid", f"The token has no {exc.claim} claim", f"Mã truy cập thiếu trường {exc.claim}"
        ) from exc
    except (jwt.InvalidAudienceError, jwt.InvalidIssuerError) as exc:
        raise TokenRejected(
            "invalid",
            "The token was issued for another issuer or audience",
            "Mã truy cập được cấp cho hệ thống khác",
        ) from exc
    except jwt.DecodeError as exc:
        raise TokenRejected(
            "malformed", "The token is not a well-formed JWT", "Mã truy cập sai định dạng"
        ) from exc
    except jwt.InvalidTokenError as exc:  # iat in the future, non-string sub/jti, …
        raise TokenRejected(
            "invalid", f"The token is not valid: {type(exc).__name__}", "Mã truy cập không hợp lệ"
        ) from exc
    return claims


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    raw_roles = claims.get("roles")
    if not isinstance(raw_roles, list) or not all(isinstance(r, str) for r in raw_roles):
        raise TokenRejected(
            "invalid", "The roles claim must be a list of strings", "Trường roles phải là danh sách"
        )
    # Roles this version does not know grant nothing; they do not invalidate the others.
    roles = frozenset(Role(r) for r in raw_roles if r in _KNOWN_ROLES)
    unit_code = claims.get("unit_code")
    partner_id = claims.get("partner_id")
    if not isinstance(unit_code, str | None) or not isinstance(partner_id, str | None):
        raise TokenRejected(
            "invalid", "unit_code and partner_id must be strings", "unit_code và partner_id phải là chuỗi"
        )
    if roles and (problem := _check_attributes(roles, unit_code, partner_id)) is not None:
        raise TokenRejected("invalid", f"The token is inconsistent: {problem}", "Mã truy cập không nhất quán")
    exp = claims.get("exp")
    return Principal(
        subject=str(claims["sub"]),
        roles=roles,
        token_id=str(claims["jti"]),
        unit_code=unit_code,
        partner_id=partner_id,
        expires_at=datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None,
    )


def verify_token(settings: AuthSettings, token: str) -> Principal:
    return principal_from_claims(decode_claims(settings, token))


def _bearer_token(authorization: str | None) -> str:
    if authorization is None or not authorization.strip():
        raise TokenRejected(
            "missing",
            "No bearer token: send Authorization: Bearer <token>",
            "Thiếu mã truy cập: gửi kèm Authorization: Bearer <mã>",
        )
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected(
            "malformed",
            "The Authorization header is not of the form Bearer <token>",
            "Tiêu đề Authorization phải có dạng Bearer <mã>",
        )
    return token.strip()


def unauthenticated(rejection: TokenRejected) -> ProblemError:
    # RFC 6750 §3: error_description is ASCII without quotes or backslashes.
    description = rejection.reason.replace('"', "'").replace("\\", "/").encode("ascii", "replace").decode()
    return ProblemError(
        401,
        f"token-{rejection.kind}",
        "Authentication failed",
        rejection.reason,
        title_vi="Xác thực không thành công",
        detail_vi=rejection.reason_vi,
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'},
    )


def forbidden(principal: Principal, needed: frozenset[Role]) -> ProblemError:
    wanted = sorted(needed)
    held = ", ".join(sorted(principal.roles)) or "none"
    return ProblemError(
        403,
        "role-required",
        "Role required",
        f"This action needs one of the roles: {', '.join(wanted)}; the token has: {held}",
        title_vi="Không đủ quyền",
        detail_vi=f"Thao tác này cần một trong các vai trò: {', '.join(wanted)}; mã truy cập có: {held}",
        headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
        required_roles=wanted,
    )


# -- FastAPI wiring ----------------------------------------------------------------------------------------

# Declared only so that the OpenAPI document shows the bearer scheme; the header is parsed below, where a
# missing token can be told apart from a malformed one.
_BEARER = HTTPBearer(auto_error=False, scheme_name="bearer", bearerFormat="JWT")


def install_auth(app: FastAPI, settings: AuthSettings) -> None:
    """Give ``app`` the settings its ``require_roles`` dependencies verify tokens with."""
    app.state.auth_settings = settings


def _settings_of(request: Request) -> AuthSettings:
    settings = getattr(request.app.state, "auth_settings", None)
    if not isinstance(settings, AuthSettings):
        raise RuntimeError("install_auth(app, AuthSettings()) was not called for this app")
    return settings


def require_roles(*roles: Role | str) -> Callable[..., Awaitable[Principal]]:
    """A dependency giving the caller's ``Principal`` when its token holds any of ``roles``.

    Without roles, any valid token is enough. The principal is also kept in ``request.state.principal``.
    """
    needed = frozenset(Role(r) for r in roles)  # a misspelt role fails at import, not at request time

    async def authenticated(
        request: Request,
        _: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)] = None,
    ) -> Principal:
        settings = _settings_of(request)
        try:
            principal = verify_token(settings, _bearer_token(request.headers.get("authorization")))
        except TokenRejected as rejection:
            raise unauthenticated(rejection) from None
        if needed and not principal.has_any(needed):
            raise forbidden(principal, needed)
        request.state.principal = principal
        return principal

    return authenticated
