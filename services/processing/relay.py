"""processing-relay: publishes the processing event store (the outbox) to ``processing.dossiers.v1``, in
order, at least once, mapped to the v1 contracts by ``processing.outbound.to_public``."""

from fastapi import FastAPI

from processing.outbound import to_public
from services.processing.composition import build_processing, es_env
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app
from services.runtime.pipelines import RelayPipeline

NAME = "processing-relay"


def build(runtime: Runtime) -> FastAPI:
    pipeline = RelayPipeline(
        NAME,
        lambda: build_processing(runtime),
        to_public,
        bootstrap=runtime.kafka.servers,
        es_env=es_env(runtime),
        namespace=runtime.kafka.topic_namespace,
    )
    loop = pipeline.loop()
    runtime.readiness.add("relay", loop.check)
    return create_app(NAME, VERSION, runtime.readiness, lifespan=loop.lifespan)


if __name__ == "__main__":
    serve(NAME, build)
