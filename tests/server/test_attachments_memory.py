"""A 20 MB upload through a real server process: streamed, not held in memory (P8: RSS growth ≤ 10 MB)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.helpers.documents import make_big_pdf, make_pdf
from tests.helpers.server_process import ServerProcess

MB = 1024 * 1024


@pytest.mark.slow
def test_20_mb_upload_grows_server_rss_by_at_most_10_mb(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    pair = server.prepare_pair()
    big = make_big_pdf(20 * MB)
    with server, httpx.Client(base_url=server.api, timeout=60) as client:
        # Warm up the code paths (imports, first allocations) with small and medium documents.
        for data in (make_pdf(), make_big_pdf(2 * MB)):
            warm = server.measure_upload(client, pair, data, str(uuid.uuid4()))
            assert warm.status == 201
        measures = [server.measure_upload(client, pair, big, str(uuid.uuid4())) for _ in range(2)]
        assert [m.status for m in measures] == [201, 201]
        growth = min(m.growth for m in measures)
        assert growth <= 10 * MB, f"RSS grew by {growth / MB:.1f} MB during a 20 MB upload"
        # And the document is whole and readable.
        attachment = client.get(f"/conversations/{pair.conversation_id}/messages", headers=pair.headers)
        last = attachment.json()["items"][-1]["data"]["attachment"]
        assert last["size"] == len(big)
        got = client.get(f"/attachments/{last['id']}", headers=pair.headers)
        assert got.status_code == 200 and got.content == big
