"""delivery-worker: Consumes results and starts their return. Behaviour arrives with issue 6."""

from fastapi import FastAPI

from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app

NAME = "delivery-worker"


def build(runtime: Runtime) -> FastAPI:
    return create_app(NAME, VERSION, runtime.readiness)


if __name__ == "__main__":
    serve(NAME, build)
