"""The one list of deployables: name (used everywhere: process, consumer group, log field), module, port.

`deploy/local/services.sh` and the README table are driven by this list, so a new deployable is added here
once. Ports are defaults; ``SERVICE_PORT`` overrides a single process's port.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Deployable:
    name: str
    module: str
    port: int
    role: str
    needs_kafka: bool = True
    needs_postgres: bool = True


DEPLOYABLES: tuple[Deployable, ...] = (
    Deployable("intake-api", "services.intake.api", 8010, "one-stop desk API: submission, receipt, refusal"),
    Deployable("intake-relay", "services.intake.relay", 8011, "intake event store → intake topic"),
    Deployable("intake-worker", "services.intake.worker", 8012, "learns results and stops from processing"),
    Deployable(
        "processing-worker", "services.processing.worker", 8020, "consumes intake events, opens cases"
    ),
    Deployable("processing-api", "services.processing.api", 8021, "officers' and agency leads' commands"),
    Deployable("processing-relay", "services.processing.relay", 8022, "processing event store → topic"),
    Deployable("delivery-worker", "services.delivery.worker", 8030, "consumes results, starts their return"),
    Deployable("delivery-api", "services.delivery.api", 8031, "result return, notifications, ratings"),
    Deployable("delivery-relay", "services.delivery.relay", 8032, "delivery event store → topic"),
    Deployable("postal-partner", "services.postal.partner", 8040, "the postal partner: shipments both ways"),
    Deployable(
        "portal-sync", "services.portal_sync.worker", 8050, "pushes every status to the national portal"
    ),
    Deployable("projector", "services.projections.projector", 8060, "public events → read models, 766 index"),
    Deployable("projections-api", "services.projections.api", 8070, "dashboards, 766 index, explanations"),
    Deployable(
        "fake-national-portal",
        "services.fake_portal.portal",
        8059,
        "stand-in for Cổng DVCQG on loopback (local runs and tests only)",
        needs_kafka=False,
        needs_postgres=False,
    ),
)


def by_name(name: str) -> Deployable:
    for d in DEPLOYABLES:
        if d.name == name:
            return d
    raise KeyError(f"unknown deployable {name!r}; known: {', '.join(d.name for d in DEPLOYABLES)}")


def main() -> None:
    """Print ``name module port`` lines for shell scripts."""
    for d in DEPLOYABLES:
        print(d.name, d.module, d.port)


if __name__ == "__main__":
    main()
