"""``motcua``: the operator's command line. One sub-app per concern (``token`` now; ``replay``, ``seed``… later).

A new concern is a ``typer.Typer()`` added with ``app.add_typer(<sub_app>, name="<concern>")``. Results go
to standard output (a token, JSON) so that commands compose in shell scripts; explanations go to standard
error.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from .projections.cli import projections_app, replay
from .runtime.auth import (
    DEVELOPMENT_ENVIRONMENTS,
    AuthSettings,
    Role,
    TokenRejected,
    decode_claims,
    issue_token,
)

BUSINESS_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

app = typer.Typer(name="motcua", help="Operate a motcua deployment.", no_args_is_help=True)
token_app = typer.Typer(help="Development bearer tokens: issue and inspect.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.command("replay")(replay)
app.add_typer(projections_app, name="projections")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_duration(text: str) -> timedelta:
    """``8h``, ``90m``, ``1h30m``, ``2d``, ``45s`` → a positive timedelta."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise typer.BadParameter(f"{text!r} is not a duration like 8h, 90m, 1h30m, 2d")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if duration <= timedelta(0):
        raise typer.BadParameter("the duration must be positive")
    return duration


def _settings() -> AuthSettings:
    try:
        return AuthSettings()
    except ValidationError as exc:
        err.print(f"[red]auth settings are not usable:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from exc


def _local_time(timestamp: Any) -> str:
    if not isinstance(timestamp, int | float):
        return "?"
    return datetime.fromtimestamp(timestamp, UTC).astimezone(BUSINESS_TZ).isoformat()


@token_app.command("issue")
def token_issue(
    role: Annotated[list[Role], typer.Option("--role", "-r", help="A role to grant; repeat for several.")],
    sub: Annotated[str, typer.Option("--sub", help="The subject (user or system id).")],
    unit: Annotated[str | None, typer.Option("--unit", help="Unit code, required for officer roles.")] = None,
    partner: Annotated[
        str | None, typer.Option("--partner", help="Partner id, required for postal_partner.")
    ] = None,
    ttl: Annotated[str, typer.Option("--ttl", help="Validity: 8h, 90m, 1h30m, 2d.")] = "8h",
) -> None:
    """Print a signed token for local development (SERVICE_ENVIRONMENT=local or ci only)."""
    settings = _settings()
    if settings.environment not in DEVELOPMENT_ENVIRONMENTS:
        err.print(
            f"refusing: SERVICE_ENVIRONMENT={settings.environment}. This command mints development tokens; "
            "tokens for real users come from the identity provider (docs/adr/0400).",
            highlight=False,
        )
        raise typer.Exit(2)
    lifetime = parse_duration(ttl)
    try:
        token = issue_token(settings, sub, role, lifetime, unit_code=unit, partner_id=partner)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    expires = datetime.now(UTC) + lifetime
    err.print(
        f"{sub} ({', '.join(sorted(role))}) until {expires.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M %z}"
        + (" — development secret" if settings.uses_development_secret else ""),
        highlight=False,
    )
    typer.echo(token)


@token_app.command("decode")
def token_decode(
    token: Annotated[str, typer.Argument(help="The token to inspect.")],
    verify: Annotated[
        bool, typer.Option("--verify/--no-verify", help="Check signature, issuer, audience and expiry.")
    ] = True,
) -> None:
    """Print a token's claims as JSON (verified with AUTH_* settings unless --no-verify)."""
    if verify:
        try:
            claims = decode_claims(_settings(), token)
        except TokenRejected as rejection:
            err.print(f"[red]token rejected[/red] ({rejection.kind}): {rejection.reason}", highlight=False)
            raise typer.Exit(1) from rejection
    else:
        import jwt

        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.DecodeError as exc:
            err.print(f"[red]not a JWT:[/red] {exc}", highlight=False)
            raise typer.Exit(1) from exc
    table = Table("claim", "Asia/Ho_Chi_Minh", box=None, show_header=False)
    for name in ("iat", "exp"):
        table.add_row(name, _local_time(claims.get(name)))
    err.print(table)
    out.print_json(json.dumps(claims, ensure_ascii=False, sort_keys=True))


def main() -> None:
    app(prog_name="motcua")


if __name__ == "__main__":
    main()
