"""`make scale-demo` in short: three server processes behind HAProxy with TLS, the consultation
through the proxy with the practitioner and the patient on different nodes, a node SIGKILLed under
load, a rolling restart; nothing acknowledged lost or duplicated (tests/helpers/scale_demo.py)."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import POSTGRES_URL, need
from tests.helpers import scale_demo


@pytest.mark.slow
def test_three_nodes_behind_haproxy_lose_and_duplicate_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
    need(bool(shutil.which("redis-server")), "redis-server absent (paquet Debian « redis-server »)")
    need(scale_demo.haproxy_binary(install=False) is not None, "haproxy absent (paquet Debian « haproxy »)")
    need(scale_demo.postgres_reachable(POSTGRES_URL), "PostgreSQL ne répond pas")
    lines: list[str] = []
    ok = scale_demo.run(scale_demo.Length.short(), admin_url=POSTGRES_URL, out=lines.append, install=False)
    with capsys.disabled():
        print("\n" + "\n".join(line for line in lines if not line.startswith("{")))
    records = [json.loads(line) for line in lines if line.startswith("{")]
    steps = {r["step"]: r for r in records if "step" in r}
    figures = {r["figure"]: r["value"] for r in records if "figure" in r}
    assert ok, "\n".join(lines)
    # Every part ran, on different nodes where it matters.
    for step in ("practitioner", "invitation", "patient", "chat", "document", "call", "payment", "kill"):
        assert steps[step]["ok"], steps[step]
    assert steps["patient"]["practitioner_node"] != steps["patient"]["patient_node"]
    assert steps["document"]["upload_node"] not in steps["document"]["download_nodes"]
    # Every node restarted once: the killed one after its kill, the others one by one (SIGTERM).
    rolled = {n for n in scale_demo.NODES if f"rolling_{n}" in steps} | {steps["kill"]["node"]}
    assert rolled == set(scale_demo.NODES)
    assert steps["kill"]["sockets_dropped"] >= 1 and steps["kill"]["acked_during"] > 0
    assert figures["messages_acked"] > 0
    assert figures["messages_lost"] == 0 and figures["messages_duplicated"] == 0
    assert figures["messages_delivered"] == figures["messages_acked"]
    assert all(figures["requests_per_node"][n] > 0 for n in scale_demo.NODES), figures


def test_the_deploy_guide_shows_the_tested_haproxy_config() -> None:
    """docs/deploy.md quotes deploy/haproxy.cfg, the file the demo runs, word for word."""
    guide = (scale_demo.ROOT / "docs" / "deploy.md").read_text()
    quoted = guide.split("```haproxy\n", 1)[1].split("\n```", 1)[0]
    assert quoted == scale_demo.HAPROXY_CONFIG.read_text().rstrip("\n")
