"""Helpers are in tests/support.py, fixtures in tests/conftest.py (shared with tests/reliability)."""

from tests.support import LABEL_APP, PREFIX, RunningApp, app_name, commit_all, free_port, git_app, herosim, start_app  # noqa: F401
