"""RFC 9457 problem details for every API: one error shape, in Vietnamese and English, never a stack trace.

``install_problem_handlers(app)`` wires, from the outside in:

- ``CorrelationIdMiddleware`` (outermost): takes ``X-Correlation-ID`` (a UUID, the same kind as the
  events' ``correlation_id``) or mints one, keeps it in ``request.state.correlation_id``, binds it to the
  log context and echoes it on every response, errors included;
- ``limit_body(max_bytes)``: refuses a body over the limit with 413 before the app reads it, from
  ``Content-Length`` when given and by counting the chunks otherwise;
- ``ProblemMiddleware`` (innermost, just outside FastAPI's exception middleware, so the metrics middleware
  of ``services.runtime.http`` still sees the status): turns the exceptions that have no handler into
  problems — duck-typed domain refusals and not-found errors (the context packages cannot import this
  module), eventsourcing's optimistic-concurrency ``IntegrityError``, and anything else as a 500 that
  shows only the correlation id;
- handlers for FastAPI's ``RequestValidationError`` (422, one entry per field) and for every
  ``HTTPException``, ``ProblemError`` included.

Code in ``services`` raises ``ProblemError`` to answer with a specific problem.
"""

from __future__ import annotations

import http
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logging import bound_contextvars, get_logger

log = get_logger(__name__)

PROBLEM_BASE = "https://motcua.vn/problems/"
MEDIA_TYPE = "application/problem+json"
CORRELATION_HEADER = "X-Correlation-ID"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def problem_type(slug: str) -> str:
    return PROBLEM_BASE + slug


class FieldError(BaseModel):
    """One field that is wrong, located by a dotted path (``applicant.id_number``, ``components[0].code``)."""

    model_config = ConfigDict(frozen=True)

    field: str
    message_vi: str
    message_en: str
    code: str


class ProblemDetails(BaseModel):
    """The body of every error response (``application/problem+json``); also usable as an OpenAPI model."""

    model_config = ConfigDict(frozen=True, extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    title_vi: str | None = None
    detail_vi: str | None = None
    errors: tuple[FieldError, ...] | None = None
    rule: str | None = None
    correlation_id: str | None = None


PROBLEM_RESPONSE: dict[str, Any] = {"model": ProblemDetails, "content": {MEDIA_TYPE: {}}}
"""For a route's ``responses={409: PROBLEM_RESPONSE, …}`` so the OpenAPI document shows the error shape."""


class ProblemError(HTTPException):
    """Raise to answer with a problem. ``slug`` names the type: ``https://motcua.vn/problems/<slug>``.

    It is an ``HTTPException`` so that FastAPI passes it through untouched wherever it is raised (even
    while the request body is being read).
    """

    def __init__(
        self,
        status: int,
        slug: str | None,
        title: str,
        detail: str | None = None,
        *,
        title_vi: str | None = None,
        detail_vi: str | None = None,
        errors: Iterable[FieldError] | None = None,
        rule: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(status_code=status, detail=detail or title, headers=headers)
        self.problem = ProblemDetails(
            type=problem_type(slug) if slug else "about:blank",
            title=title,
            status=status,
            detail=detail,
            title_vi=title_vi,
            detail_vi=detail_vi,
            errors=tuple(errors) if errors is not None else None,
            rule=rule,
            **extensions,
        )


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE


# Vietnamese titles for the statuses an API answers with; "about:blank" problems use the English phrase.
_TITLES_VI: dict[int, str] = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa xác thực",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    406: "Không đáp ứng được định dạng yêu cầu",
    409: "Xung đột",
    413: "Nội dung quá lớn",
    415: "Định dạng nội dung không được hỗ trợ",
    422: "Dữ liệu không hợp lệ",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi hệ thống",
    503: "Dịch vụ tạm thời không sẵn sàng",
}


def correlation_id_of(scope: Scope) -> str | None:
    state = scope.get("state")
    value = state.get("correlation_id") if isinstance(state, dict) else None
    return value if isinstance(value, str) else None


def render(
    scope: Scope, problem: ProblemDetails, headers: Mapping[str, str] | None = None
) -> ProblemResponse:
    """The response for ``problem``, with this request's path as ``instance`` and its correlation id."""
    body = problem.model_dump(mode="json", exclude_none=True)
    body.setdefault("instance", scope.get("path"))
    if (correlation_id := correlation_id_of(scope)) is not None:
        body["correlation_id"] = correlation_id
    return ProblemResponse(body, status_code=problem.status, headers=dict(headers or {}))


# -- request validation ------------------------------------------------------------------------------------

# pydantic error type → Vietnamese message; ``{name}`` placeholders are filled from the error's ``ctx``.
_VALIDATION_VI: dict[str, str] = {
    "missing": "Trường này là bắt buộc",
    "extra_forbidden": "Trường này không được phép gửi",
    "string_type": "Phải là chuỗi ký tự",
    "string_too_short": "Phải có ít nhất {min_length} ký tự",
    "string_too_long": "Không được dài quá {max_length} ký tự",
    "string_pattern_mismatch": "Không đúng định dạng (mẫu: {pattern})",
    "too_short": "Phải có ít nhất {min_length} phần tử",
    "too_long": "Không được có quá {max_length} phần tử",
    "greater_than": "Phải lớn hơn {gt}",
    "greater_than_equal": "Phải lớn hơn hoặc bằng {ge}",
    "less_than": "Phải nhỏ hơn {lt}",
    "less_than_equal": "Phải nhỏ hơn hoặc bằng {le}",
    "multiple_of": "Phải là bội số của {multiple_of}",
    "int_parsing": "Phải là số nguyên",
    "int_type": "Phải là số nguyên",
    "int_from_float": "Phải là số nguyên, không có phần thập phân",
    "float_parsing": "Phải là số",
    "float_type": "Phải là số",
    "decimal_parsing": "Phải là số thập phân",
    "bool_parsing": "Phải là true hoặc false",
    "bool_type": "Phải là true hoặc false",
    "enum": "Phải là một trong các giá trị: {expected}",
    "literal_error": "Phải là một trong các giá trị: {expected}",
    "uuid_parsing": "Phải là một UUID hợp lệ",
    "uuid_type": "Phải là một UUID hợp lệ",
    "date_parsing": "Phải là ngày hợp lệ theo ISO 8601 (ví dụ 2025-07-01)",
    "date_from_datetime_parsing": "Phải là ngày hợp lệ theo ISO 8601 (ví dụ 2025-07-01)",
    "datetime_parsing": "Phải là thời điểm hợp lệ theo ISO 8601 (ví dụ 2025-07-01T08:00:00+07:00)",
    "datetime_from_date_parsing": "Phải là thời điểm hợp lệ theo ISO 8601 (ví dụ 2025-07-01T08:00:00+07:00)",
    "datetime_type": "Phải là thời điểm hợp lệ theo ISO 8601 (ví dụ 2025-07-01T08:00:00+07:00)",
    "timezone_aware": "Thời điểm phải ghi rõ múi giờ (ví dụ +07:00)",
    "list_type": "Phải là một danh sách",
    "dict_type": "Phải là một đối tượng",
    "model_type": "Phải là một đối tượng",
    "model_attributes_type": "Phải là một đối tượng",
    "json_invalid": "Nội dung JSON không hợp lệ",
    "url_parsing": "Phải là một địa chỉ URL hợp lệ",
}
_VALUE_ERROR_PREFIXES = ("Value error, ", "Assertion failed, ")


def field_path(loc: Sequence[str | int]) -> str:
    """``("body", "components", 0, "code")`` → ``components[0].code``; other locations keep their prefix."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _fill(template: str, ctx: Mapping[str, Any]) -> str | None:
    try:
        return template.format(**{k: _render_ctx(v) for k, v in ctx.items()})
    except (KeyError, IndexError, ValueError):
        return None  # a context value the template needs is absent: fall back to the generic message


def _render_ctx(value: Any) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value)
    return str(value)


def translate(error: Mapping[str, Any]) -> FieldError:
    """One pydantic/FastAPI error entry → a field error in both languages."""
    kind = str(error.get("type", "value_error"))
    message_en = str(error.get("msg", "Invalid value"))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        for prefix in _VALUE_ERROR_PREFIXES:
            message_en = message_en.removeprefix(prefix)
        # A validator may raise an error that already speaks Vietnamese (same duck typing as rule errors).
        cause = ctx.get("error")
        message_vi = getattr(cause, "message_vi", None)
        if not isinstance(message_vi, str):
            message_vi = f"Giá trị không hợp lệ: {message_en}"
    else:
        template = _VALIDATION_VI.get(kind)
        filled = _fill(template, ctx) if template is not None else None
        message_vi = filled or f"Giá trị không hợp lệ: {message_en}"
    return FieldError(
        field=field_path(error.get("loc", ())), message_vi=message_vi, message_en=message_en, code=kind
    )


def validation_problem(errors: Sequence[Mapping[str, Any]]) -> ProblemError:
    field_errors = [translate(e) for e in errors]
    count = len(field_errors)
    return ProblemError(
        422,
        "validation-failed",
        "The request is not valid",
        f"{count} field(s) are not valid; see errors",
        title_vi="Dữ liệu gửi lên không hợp lệ",
        detail_vi=f"Có {count} trường không hợp lệ; xem danh sách errors",
        errors=field_errors,
    )


# -- exceptions → problems ---------------------------------------------------------------------------------


def _is_rule_violation(exc: BaseException) -> bool:
    return all(isinstance(getattr(exc, name, None), str) for name in ("rule", "message_vi", "message_en"))


def _client_status(exc: BaseException, default: int) -> int:
    status = getattr(exc, "status", default)
    return status if isinstance(status, int) and 400 <= status < 500 else default


def _from_http_exception(exc: HTTPException) -> ProblemError:
    if isinstance(exc, ProblemError):
        return exc
    phrase = _phrase(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    slugs = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}
    return ProblemError(
        exc.status_code,
        slugs.get(exc.status_code),
        phrase,
        detail,
        title_vi=_TITLES_VI.get(exc.status_code),
        headers=exc.headers,
    )


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_for(exc: Exception) -> ProblemError | None:
    """The problem an exception stands for, or ``None`` when it is unexpected (a 500)."""
    if isinstance(exc, RequestValidationError):
        return validation_problem(exc.errors())
    if isinstance(exc, HTTPException):
        return _from_http_exception(exc)
    if getattr(exc, "not_found", False) is True:
        message_en = getattr(exc, "message_en", None)
        message_vi = getattr(exc, "message_vi", None)
        return ProblemError(
            404,
            "not-found",
            "Not found",
            message_en if isinstance(message_en, str) else str(exc) or None,
            title_vi="Không tìm thấy",
            detail_vi=message_vi if isinstance(message_vi, str) else None,
        )
    if _is_rule_violation(exc):
        rule: str = exc.rule  # type: ignore[attr-defined]
        message_vi = str(exc.message_vi)  # type: ignore[attr-defined]
        message_en = str(exc.message_en)  # type: ignore[attr-defined]
        field = getattr(exc, "field", None)
        errors = (
            [FieldError(field=field, message_vi=message_vi, message_en=message_en, code=rule)]
            if isinstance(field, str) and field
            else None
        )
        return ProblemError(
            _client_status(exc, 409),
            "rule-violation",
            "The request breaks a business rule",
            message_en,
            title_vi="Yêu cầu vi phạm quy định nghiệp vụ",
            detail_vi=message_vi,
            errors=errors,
            rule=rule,
        )
    if isinstance(exc, IntegrityError):
        return ProblemError(
            409,
            "concurrent-modification",
            "Concurrent modification",
            "The dossier changed since you read it; reload it and retry.",
            title_vi="Hồ sơ vừa được thay đổi",
            detail_vi="Hồ sơ đã thay đổi kể từ khi bạn đọc; hãy tải lại và thử lại.",
        )
    return None


def internal_error() -> ProblemError:
    return ProblemError(
        500,
        "internal-error",
        "Internal server error",
        "Something went wrong on our side. Quote the correlation id when you report it.",
        title_vi="Lỗi hệ thống",
        detail_vi="Hệ thống gặp sự cố. Vui lòng báo lại kèm mã correlation_id.",
    )


def _log_refusal(scope: Scope, problem: ProblemError) -> None:
    fields = {"method": scope.get("method"), "path": scope.get("path"), "status": problem.status_code}
    if problem.status_code >= 500:
        log.error("request failed", type=problem.problem.type, **fields)
    elif problem.status_code in (409, 413, 422):
        log.info("request refused", type=problem.problem.type, rule=problem.problem.rule, **fields)


async def _handle(request: Request, exc: Exception) -> ProblemResponse:
    problem = problem_for(exc) or internal_error()
    _log_refusal(request.scope, problem)
    return render(request.scope, problem.problem, problem.headers)


# -- middleware --------------------------------------------------------------------------------------------


def _valid_correlation_id(value: str | None) -> str | None:
    if not value or len(value) > 64:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


class CorrelationIdMiddleware:
    """Reads or mints the request's correlation id, binds it to the logs and echoes it on the response.

    A value that is not a UUID is replaced (and the replacement echoed): the id goes into the events'
    envelope, whose ``correlation_id`` is a UUID.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(CORRELATION_HEADER)
        correlation_id = _valid_correlation_id(given) or str(uuid.uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[CORRELATION_HEADER] = correlation_id
            await send(message)

        with bound_contextvars(correlation_id=correlation_id):
            await self.app(scope, receive, send_with_id)


class ProblemMiddleware:
    """Answers with a problem for every exception FastAPI's own handlers did not take."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise  # too late for a problem body: let the server close the connection
            problem = problem_for(exc)
            if problem is None:
                log.exception("unhandled error", method=scope.get("method"), path=scope.get("path"))
                problem = internal_error()
            else:
                _log_refusal(scope, problem)
            await render(scope, problem.problem, problem.headers)(scope, receive, send)


class BodyTooLarge(ProblemError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            413,
            "payload-too-large",
            "Request body too large",
            f"The request body is larger than {max_bytes} bytes.",
            title_vi="Nội dung yêu cầu quá lớn",
            detail_vi=f"Nội dung yêu cầu vượt quá {max_bytes} byte.",
            max_bytes=max_bytes,
        )


class BodySizeLimitMiddleware:
    """Refuses a request body over ``max_bytes`` without buffering it.

    A declared ``Content-Length`` over the limit is refused before the app runs; otherwise the chunks are
    counted as the app reads them and reading stops with ``BodyTooLarge`` once the count passes the limit
    (a client may send no length, or a false one).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes cannot be negative")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            refusal = BodyTooLarge(self.max_bytes)
            await render(scope, refusal.problem)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)


def limit_body(max_bytes: int) -> Middleware:
    """The body-size limit as a middleware entry (``FastAPI(middleware=[limit_body(…)])`` or install below)."""
    return Middleware(BodySizeLimitMiddleware, max_bytes=max_bytes)


def install_problem_handlers(app: FastAPI, *, max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES) -> None:
    """Make every error of ``app`` a problem-details response carrying the request's correlation id.

    Call after the app is built and before it serves (a second call changes nothing).
    ``max_body_bytes=None`` sets no body limit.
    """
    if getattr(app.state, "problem_handlers_installed", False):
        return
    app.state.problem_handlers_installed = True
    app.add_exception_handler(RequestValidationError, _handle)
    app.add_exception_handler(HTTPException, _handle)
    app.add_exception_handler(IntegrityError, _handle)
    # add_middleware always puts a middleware outermost; the body limit and the catch-all go innermost
    # instead, so that middleware added earlier (request metrics) sees their status codes.
    if max_body_bytes is not None:
        app.user_middleware.append(limit_body(max_body_bytes))
    app.user_middleware.append(Middleware(ProblemMiddleware))
    app.add_middleware(CorrelationIdMiddleware)
