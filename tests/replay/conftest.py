"""The replay tier runs on the real broker and server, like the integration tier."""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/replay/" in str(item.path):
            item.add_marker(pytest.mark.integration)
