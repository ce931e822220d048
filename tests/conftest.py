import os

import pytest

# The search conformance suite runs once per official client, in its own pytest process
# (tests/unit/test_search_clients.py), since two majors of one client cannot share a process.
collect_ignore_glob = [] if os.environ.get("HEROSIM_SEARCH_SUITE") else ["search/*"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
