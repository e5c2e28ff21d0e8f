"""intake-relay: Relays the intake event store to the intake topic. Behaviour arrives with issue 3."""

from fastapi import FastAPI

from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app

NAME = "intake-relay"


def build(runtime: Runtime) -> FastAPI:
    return create_app(NAME, VERSION, runtime.readiness)


if __name__ == "__main__":
    serve(NAME, build)
