"""projector: Public events into read models and the 766 index. Behaviour arrives with issue 7."""

from fastapi import FastAPI

from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app

NAME = "projector"


def build(runtime: Runtime) -> FastAPI:
    return create_app(NAME, VERSION, runtime.readiness)


if __name__ == "__main__":
    serve(NAME, build)
