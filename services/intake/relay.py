"""intake-relay: publishes the intake event store (the outbox) to the intake topics, in order, at least once."""

from fastapi import FastAPI

from intake.outbound import outbound
from services.intake.composition import build_desk, schema
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app
from services.runtime.pipelines import RelayPipeline

NAME = "intake-relay"


def build(runtime: Runtime) -> FastAPI:
    pipeline = RelayPipeline(
        NAME,
        lambda: build_desk(runtime),
        outbound,
        bootstrap=runtime.kafka.servers,
        es_env=runtime.database.eventsourcing_env(schema(runtime)),
        namespace=runtime.kafka.topic_namespace,
    )
    loop = pipeline.loop()
    runtime.readiness.add("relay", loop.check)
    return create_app(NAME, VERSION, runtime.readiness, lifespan=loop.lifespan)


if __name__ == "__main__":
    serve(NAME, build)
