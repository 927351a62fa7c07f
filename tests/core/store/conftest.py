"""The ``store`` fixture: every store test runs on SQLite and on the real PostgreSQL server."""
from __future__ import annotations

import pytest

from core.store import open_store
from tests.core.store.backends import BACKENDS, url_for


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """A new, empty store on each backend (``[sqlite]`` file, ``[postgresql]`` database)."""
    return open_store(url_for(request, tmp_path, request.param))
