"""delivery-relay: publishes the delivery event store (the outbox) to the delivery topic, in order, at
least once (E24 notices, postal pick-up requests, E25 returns, E26 ratings)."""

from fastapi import FastAPI

from delivery.outbound import outbound
from services.delivery.composition import build_delivery, delivery_schema
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app
from services.runtime.pipelines import RelayPipeline

NAME = "delivery-relay"


def pipeline(runtime: Runtime) -> RelayPipeline:
    """The delivery store's relay; nothing connects before its loop starts."""
    return RelayPipeline(
        NAME,
        lambda: build_delivery(runtime),
        outbound,
        bootstrap=runtime.kafka.servers,
        es_env=runtime.database.eventsourcing_env(delivery_schema(runtime)),
        namespace=runtime.kafka.topic_namespace,
    )


def build(runtime: Runtime) -> FastAPI:
    loop = pipeline(runtime).loop()
    runtime.readiness.add("relay", loop.check)
    return create_app(NAME, VERSION, runtime.readiness, lifespan=loop.lifespan)


if __name__ == "__main__":
    serve(NAME, build)
