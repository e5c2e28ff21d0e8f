"""Killing the broker makes a running service not ready; it is ready again when the broker is back,
without restarting the service. Uses a broker of its own (deploy/local/kafka.sh on free ports) so the
shared broker of the other tests is never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from waiting import free_port, wait_until

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    env = {
        **os.environ,
        "MOTCUA_LOCAL_DIR": str(tmp_path / "local"),
        "KAFKA_PORT": str(free_port()),
        "KAFKA_CONTROLLER_PORT": str(free_port()),
    }
    subprocess.run(["bash", "deploy/local/kafka.sh", "start"], cwd=REPO, env=env, check=True, timeout=180)
    yield env, tmp_path / "local" / "run" / "kafka.pid"
    subprocess.run(["bash", "deploy/local/kafka.sh", "stop"], cwd=REPO, env=env, check=False, timeout=90)


def test_ready_follows_the_broker(own_broker: tuple[dict[str, str], Path], database_url: str) -> None:
    env, pid_file = own_broker
    port = free_port()
    service_env = {
        **env,
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{env['KAFKA_PORT']}",
        "DATABASE_URL": database_url,
        "SERVICE_PORT": str(port),
    }
    service = subprocess.Popen(
        [sys.executable, "-m", "services.intake.api"],
        cwd=REPO,
        env=service_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def ready_status() -> int:
        try:
            return httpx.get(f"{url}/ready", timeout=10).status_code
        except httpx.HTTPError:
            return -1

    try:
        wait_until(lambda: ready_status() == 200, 60, "the service to be ready")
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        wait_until(lambda: ready_status() == 503, 30, "/ready to report the broker gone")
        body = httpx.get(f"{url}/ready", timeout=10).json()
        assert body["checks"]["kafka"]["ok"] is False
        assert body["checks"]["postgres"]["ok"] is True
        assert httpx.get(f"{url}/health", timeout=5).status_code == 200  # alive, just not ready

        subprocess.run(["bash", "deploy/local/kafka.sh", "start"], cwd=REPO, env=env, check=True, timeout=180)
        wait_until(lambda: ready_status() == 200, 60, "/ready to recover with the broker back")
        assert service.poll() is None  # the same process: it was never restarted
    finally:
        service.terminate()
        service.wait(timeout=30)
