"""intake-api: The one-stop desk API (submission, receipt, refusal, withdrawal). Behaviour arrives with issue 4."""

from fastapi import FastAPI

from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app

NAME = "intake-api"


def build(runtime: Runtime) -> FastAPI:
    return create_app(NAME, VERSION, runtime.readiness)


if __name__ == "__main__":
    serve(NAME, build)
