"""`make scale-demo`: three `teleconsult-server serve` processes behind HAProxy with TLS, on one
fresh PostgreSQL database and a Redis of their own; the whole consultation through the proxy, a
node SIGKILLed under load, a rolling restart; the figures as text and JSON lines. Exit code 1 on
any failed step, lost or duplicated message. The logic is tests/helpers/scale_demo.py (the test
tests/server/test_scale_demo.py runs a short version of it); HAProxy runs with deploy/haproxy.cfg.

HAProxy comes from Debian (`apt-get install haproxy`); as root, the script installs it.
PostgreSQL: TELECONSULT_TEST_POSTGRES_URL or --postgres-url (default postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' helpers are not installed with the package

from tests.helpers.scale_demo import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
