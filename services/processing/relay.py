"""processing-relay: Relays the processing event store to the processing topic."""

from fastapi import FastAPI

from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app

NAME = "processing-relay"


def build(runtime: Runtime) -> FastAPI:
    return create_app(NAME, VERSION, runtime.readiness)


if __name__ == "__main__":
    serve(NAME, build)
