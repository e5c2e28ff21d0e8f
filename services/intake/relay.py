"""intake-relay: publishes the intake event store (the outbox) to the intake topics, in order, at least once.

At every (re)start it also publishes the reference data (units, procedures, calendars) unless that very
data set is already recorded as published (services.intake.reference_publisher, docs/adr/0271).
"""

from fastapi import FastAPI

from intake.outbound import outbound
from intake.reference import load_reference_data
from intake.reference.publication import build_publication
from services.intake.composition import build_desk, schema
from services.intake.reference_publisher import ReferencePublisher
from services.runtime.background import BackgroundLoop
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
    publisher = ReferencePublisher(
        lambda: build_publication(load_reference_data()),
        database_url=runtime.database.url,
        schema=schema(runtime),
        namespace=runtime.kafka.topic_namespace,
    )

    async def start() -> None:
        await pipeline.start()
        assert pipeline.producer is not None
        await publisher.publish(pipeline.producer)  # a failure restarts the loop, which tries again

    loop = BackgroundLoop(NAME, start, pipeline.run, pipeline.stop)
    runtime.readiness.add("relay", loop.check)
    return create_app(NAME, VERSION, runtime.readiness, lifespan=loop.lifespan)


if __name__ == "__main__":
    serve(NAME, build)
