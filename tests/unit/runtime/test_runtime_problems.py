"""Every error of an API is an RFC 9457 problem, in both languages, carrying the request's correlation id."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

import pytest
import structlog
from eventsourcing.persistence import IntegrityError
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.testclient import TestClient
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from starlette.types import Message

from services.runtime.health import Readiness
from services.runtime.http import create_app
from services.runtime.problems import (
    MEDIA_TYPE,
    ProblemError,
    field_path,
    install_problem_handlers,
    problem_type,
    translate,
)

SECRET_TEXT = "password=hunter2 at db.internal:5432"


class Channel(StrEnum):
    COUNTER = "COUNTER"
    ONLINE = "ONLINE"


class Applicant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(pattern=r"^\d{12}$")
    name: str = Field(min_length=2, max_length=10)


class Component(BaseModel):
    code: str = Field(min_length=3)
    copies: int = Field(ge=1)


class Submission(BaseModel):
    model_config = ConfigDict(extra="forbid")
    applicant: Applicant
    channel: Channel
    components: list[Component]
    fee_vnd: int = Field(ge=0)
    submitted_at: AwareDatetime
    mode: Literal["FULL", "PARTIAL"] = "FULL"
    dossier_id: uuid.UUID | None = None

    @field_validator("fee_vnd")
    @classmethod
    def _whole_thousands(cls, value: int) -> int:
        if value % 1000:
            raise ValueError("fees are charged in whole thousands of VND")
        return value


class RuleBroken(Exception):
    """Shaped like a context package's refusal: no import of services, only attributes."""

    def __init__(self, rule: str, *, field: str | None = None, status: int | None = None) -> None:
        super().__init__(rule)
        self.rule = rule
        self.message_vi = "Hồ sơ đã được tiếp nhận, không thể từ chối"
        self.message_en = "The dossier was already received; it cannot be refused"
        if field is not None:
            self.field = field
        if status is not None:
            self.status = status


class DossierMissing(LookupError):
    not_found = True
    message_en = "No dossier H44.06-250701-0001"
    message_vi = "Không có hồ sơ H44.06-250701-0001"


def build_app(max_body_bytes: int | None = 256) -> FastAPI:
    app = create_app("problems-test", "0.0.0", Readiness())

    @app.post("/dossiers")
    async def submit(submission: Submission) -> dict[str, str]:
        return {"name": submission.applicant.name}

    @app.get("/search")
    async def search(limit: Annotated[int, Query(le=100)] = 10) -> dict[str, int]:
        return {"limit": limit}

    @app.post("/refuse")
    async def refuse(field: str | None = None, status: int | None = None) -> None:
        raise RuleBroken("NĐ61-Art19.refusal-before-receipt", field=field, status=status)

    @app.get("/dossiers/{code}")
    async def fetch(code: str) -> None:
        raise DossierMissing(code)

    @app.post("/race")
    async def race() -> None:
        raise IntegrityError("duplicate key value violates unique constraint (originator_id, version)")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(SECRET_TEXT)

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(status_code=418, detail="short and stout")

    @app.get("/specific")
    async def specific() -> None:
        raise ProblemError(400, "procedure-unknown", "Unknown procedure", "No procedure 9.999", code="9.999")

    @app.get("/context")
    async def context(request: Request) -> dict[str, Any]:
        return {**structlog.contextvars.get_contextvars(), "state": request.state.correlation_id}

    @app.post("/echo")
    async def echo(body: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(body)}

    install_problem_handlers(app, max_body_bytes=max_body_bytes)
    install_problem_handlers(app, max_body_bytes=max_body_bytes)  # a second call changes nothing
    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(build_app(), raise_server_exceptions=False)


VALID = {
    "applicant": {"id_number": "044095001234", "name": "Lan"},
    "channel": "COUNTER",
    "components": [{"code": "TK01", "copies": 1}],
    "fee_vnd": 50000,
    "submitted_at": "2025-07-01T08:00:00+07:00",
}


def by_field(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {e["field"]: e for e in body["errors"]}


def test_valid_request_passes_untouched(client: TestClient) -> None:
    response = client.post("/dossiers", json=VALID)
    assert response.status_code == 200
    assert response.json() == {"name": "Lan"}


def test_validation_errors_are_field_level_in_both_languages(client: TestClient) -> None:
    bad = {
        "applicant": {"id_number": "12AB", "name": "L", "phone": "0900"},
        "channel": "FAX",
        "components": [{"code": "TK01", "copies": 1}, {"code": "X", "copies": 0}],
        "fee_vnd": 1500,
        "submitted_at": "2025-07-01T08:00:00",
        "mode": "SOME",
        "dossier_id": "not-a-uuid",
    }
    response = client.post("/dossiers", json=bad)
    assert response.status_code == 422
    assert response.headers["content-type"] == MEDIA_TYPE
    body = response.json()
    assert body["type"] == problem_type("validation-failed")
    assert body["status"] == 422
    assert body["instance"] == "/dossiers"
    assert body["title_vi"] and body["detail_vi"]
    errors = by_field(body)
    assert set(errors) == {
        "applicant.id_number",
        "applicant.name",
        "applicant.phone",
        "channel",
        "components[1].code",
        "components[1].copies",
        "fee_vnd",
        "submitted_at",
        "mode",
        "dossier_id",
    }
    assert errors["applicant.id_number"]["code"] == "string_pattern_mismatch"
    assert errors["applicant.id_number"]["message_vi"].startswith("Không đúng định dạng")
    assert errors["applicant.name"]["message_vi"] == "Phải có ít nhất 2 ký tự"
    assert errors["applicant.name"]["message_en"] == "String should have at least 2 characters"
    assert errors["applicant.phone"]["message_vi"] == "Trường này không được phép gửi"
    assert errors["channel"]["code"] == "enum"
    assert "COUNTER" in errors["channel"]["message_vi"] and "ONLINE" in errors["channel"]["message_vi"]
    assert errors["components[1].code"]["message_vi"] == "Phải có ít nhất 3 ký tự"
    assert errors["components[1].copies"]["message_vi"] == "Phải lớn hơn hoặc bằng 1"
    assert errors["submitted_at"]["code"] == "timezone_aware"
    assert "múi giờ" in errors["submitted_at"]["message_vi"]
    assert errors["mode"]["code"] == "literal_error"
    assert errors["dossier_id"]["code"] == "uuid_parsing"
    # a validator's own message is kept (prefix removed) and wrapped in Vietnamese
    assert errors["fee_vnd"]["message_en"] == "fees are charged in whole thousands of VND"
    assert errors["fee_vnd"]["message_vi"].endswith("fees are charged in whole thousands of VND")


def test_missing_fields_and_other_locations(client: TestClient) -> None:
    body = client.post("/dossiers", json={"channel": "ONLINE"}).json()
    errors = by_field(body)
    assert errors["applicant"] == {
        "field": "applicant",
        "message_vi": "Trường này là bắt buộc",
        "message_en": "Field required",
        "code": "missing",
    }
    query = client.get("/search", params={"limit": "many"}).json()
    assert by_field(query)["query.limit"]["message_vi"] == "Phải là số nguyên"
    over = client.get("/search", params={"limit": 500}).json()
    assert by_field(over)["query.limit"]["message_vi"] == "Phải nhỏ hơn hoặc bằng 100"


def test_broken_json_is_a_problem_too(client: TestClient) -> None:
    response = client.post(
        "/dossiers", content=b'{"applicant": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["code"] == "json_invalid"
    assert error["message_vi"] == "Nội dung JSON không hợp lệ"


def test_unknown_error_type_falls_back_to_english() -> None:
    error = translate({"type": "bytes_too_long", "loc": ("body", "scan"), "msg": "Data should be short"})
    assert error.message_en == "Data should be short"
    assert error.message_vi == "Giá trị không hợp lệ: Data should be short"
    # a template whose context is absent falls back the same way instead of failing
    partial = translate({"type": "string_too_short", "loc": ("body", "x"), "msg": "Too short"})
    assert partial.message_vi == "Giá trị không hợp lệ: Too short"


def test_field_paths() -> None:
    assert field_path(("body", "applicant", "id_number")) == "applicant.id_number"
    assert field_path(("body", "components", 2, "files", 0)) == "components[2].files[0]"
    assert field_path(("body",)) == "body"
    assert field_path(("header", "idempotency-key")) == "header.idempotency-key"


def test_duck_typed_rule_violation_is_a_409_with_its_rule(client: TestClient) -> None:
    response = client.post("/refuse")
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == problem_type("rule-violation")
    assert body["rule"] == "NĐ61-Art19.refusal-before-receipt"
    assert body["detail"] == "The dossier was already received; it cannot be refused"
    assert body["detail_vi"] == "Hồ sơ đã được tiếp nhận, không thể từ chối"
    assert "errors" not in body


def test_rule_violation_may_name_a_field_and_its_status(client: TestClient) -> None:
    response = client.post("/refuse", params={"field": "reason.code", "status": 422})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "reason.code"
    assert error["code"] == "NĐ61-Art19.refusal-before-receipt"
    # a status outside 4xx is not trusted: the refusal stays a client error
    assert client.post("/refuse", params={"status": 200}).status_code == 409


def test_duck_typed_not_found_is_a_404(client: TestClient) -> None:
    response = client.get("/dossiers/H44.06-250701-0001")
    assert response.status_code == 404
    body = response.json()
    assert body["type"] == problem_type("not-found")
    assert body["detail_vi"] == "Không có hồ sơ H44.06-250701-0001"


def test_optimistic_concurrency_conflict_is_a_409_never_a_500(client: TestClient) -> None:
    response = client.post("/race")
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == problem_type("concurrent-modification")
    assert "reload" in body["detail"]
    assert "unique constraint" not in response.text


def test_unexpected_error_is_a_500_that_leaks_nothing(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/boom", headers={"X-Correlation-ID": "6f1c1e1a-9e0b-4c53-8a0e-3f1d2b9a7c55"})
    assert response.status_code == 500
    assert response.headers["content-type"] == MEDIA_TYPE
    body = response.json()
    assert body["type"] == problem_type("internal-error")
    assert body["correlation_id"] == "6f1c1e1a-9e0b-4c53-8a0e-3f1d2b9a7c55"
    assert response.headers["X-Correlation-ID"] == body["correlation_id"]
    for leak in ("hunter2", "db.internal", "RuntimeError", "Traceback", "test_runtime_problems"):
        assert leak not in response.text


def test_http_exceptions_and_unknown_routes_become_problems(client: TestClient) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == MEDIA_TYPE
    assert missing.json()["type"] == problem_type("not-found")
    wrong_method = client.delete("/dossiers")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["allow"]
    teapot = client.get("/teapot").json()
    assert (teapot["type"], teapot["title"], teapot["detail"]) == (
        "about:blank",
        "I'm a Teapot",
        "short and stout",
    )


def test_problem_error_keeps_its_extensions(client: TestClient) -> None:
    body = client.get("/specific").json()
    assert body["type"] == problem_type("procedure-unknown")
    assert body["code"] == "9.999"
    assert body["status"] == 400


def test_oversized_body_by_declared_length_is_refused(client: TestClient) -> None:
    response = client.post("/echo", json={"scan": "x" * 1000})
    assert response.status_code == 413
    body = response.json()
    assert body["type"] == problem_type("payload-too-large")
    assert body["max_bytes"] == 256
    assert response.headers["X-Correlation-ID"] == body["correlation_id"]
    assert client.post("/echo", json={"scan": "x" * 10}).json() == {"keys": 1}


def test_no_limit_when_none() -> None:
    client = TestClient(build_app(max_body_bytes=None))
    assert client.post("/echo", json={"scan": "x" * 100_000}).status_code == 200


def test_correlation_id_is_echoed_or_minted_and_bound_to_logs(client: TestClient) -> None:
    given = "0b9f7a43-2f7e-4d8a-a3c1-5b1f7c3e9d10"
    echoed = client.get("/context", headers={"X-Correlation-ID": given})
    assert echoed.headers["X-Correlation-ID"] == given
    assert echoed.json()["correlation_id"] == given == echoed.json()["state"]

    minted = client.get("/context")
    value = minted.headers["X-Correlation-ID"]
    assert uuid.UUID(value)
    assert minted.json()["correlation_id"] == value
    assert client.get("/context").headers["X-Correlation-ID"] != value

    # not a UUID (the events' correlation_id is one): replaced, and the replacement echoed
    replaced = client.get("/context", headers={"X-Correlation-ID": "abc; drop table"})
    assert replaced.headers["X-Correlation-ID"] != "abc; drop table"
    assert uuid.UUID(replaced.headers["X-Correlation-ID"])
    # problems carry it in the body as well
    problem = client.post("/refuse", headers={"X-Correlation-ID": given})
    assert problem.json()["correlation_id"] == given == problem.headers["X-Correlation-ID"]


def test_request_metrics_see_the_problem_status(client: TestClient) -> None:
    from services.runtime.metrics import HTTP_LATENCY

    def count(status: str) -> float:
        for metric in HTTP_LATENCY.collect():
            for sample in metric.samples:
                labels = sample.labels
                if sample.name.endswith("_count") and labels == {
                    "method": "POST",
                    "route": "/race",
                    "status": status,
                }:
                    return sample.value
        return 0.0

    before = count("409")
    client.post("/race")
    assert count("409") == before + 1


def test_datetime_message_names_the_expected_format(client: TestClient) -> None:
    body = client.post("/dossiers", json={**VALID, "submitted_at": "yesterday"}).json()
    error = by_field(body)["submitted_at"]
    assert error["code"] == "datetime_from_date_parsing" or error["code"] == "datetime_parsing"
    assert "ISO 8601" in error["message_vi"]


async def test_body_without_length_is_counted_and_reading_stops_at_the_limit() -> None:
    """A chunked (or lying) body is refused as soon as the count passes the limit, not after reading it all."""
    app = build_app(max_body_bytes=256)
    chunks = [b'{"scan": "' + b"x" * 90] + [b"x" * 100] * 50 + [b'"}']
    delivered = 0

    async def receive() -> Message:
        nonlocal delivered
        delivered += 1
        more = delivered < len(chunks)
        return {"type": "http.request", "body": chunks[delivered - 1], "more_body": more}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/echo",
        "raw_path": b"/echo",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert delivered <= 4  # stopped right after the third chunk pushed the count past 256 bytes
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert b"payload-too-large" in body


def test_installing_twice_adds_nothing() -> None:
    names = [getattr(m.cls, "__name__", "") for m in build_app().user_middleware]
    assert names.count("ProblemMiddleware") == 1
    assert names.count("CorrelationIdMiddleware") == 1
    assert names.count("BodySizeLimitMiddleware") == 1
    # the catch-all sits inside the request-metrics middleware, the correlation id outside everything
    assert names[0] == "CorrelationIdMiddleware"
    assert names[-1] == "ProblemMiddleware"
