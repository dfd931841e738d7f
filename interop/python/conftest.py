import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support import TUNELY_BIN, Target  # noqa: E402


def pytest_configure(config):
    if not os.access(TUNELY_BIN, os.X_OK):
        raise pytest.UsageError(f"our tunely binary is missing: {TUNELY_BIN} (build it, or set TUNELY_BIN)")
    import tunely

    if tunely.__version__ != "0.12.0":
        raise pytest.UsageError(f"this suite drives the original tunely 0.12.0, found {tunely.__version__}")


@pytest.fixture(scope="session")
def target():
    t = Target()
    yield t
    t.close()
