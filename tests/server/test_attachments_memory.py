"""A 20 MB upload through a real server process: streamed, not held in memory (P8: RSS growth ≤ 10 MB),
in the file store on SQLite and in the database store on PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_URL, create_postgres_database, need
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


@pytest.mark.slow
def test_20_mb_document_in_the_database_store_grows_server_rss_by_at_most_10_mb(tmp_path: Path) -> None:
    """Up and down through PostgreSQL rows: 1 MiB of records at a time, never the whole document."""
    need(bool(POSTGRES_URL), "PostgreSQL absent : définir TELECONSULT_TEST_POSTGRES_URL")
    server = ServerProcess(tmp_path, {"TELECONSULT_DATABASE_URL": create_postgres_database(POSTGRES_URL)})
    pair = server.prepare_pair()
    big = make_big_pdf(20 * MB)
    with server, httpx.Client(base_url=server.api, timeout=120) as client:
        for data in (make_pdf(), make_big_pdf(2 * MB)):
            warm = server.measure_upload(client, pair, data, str(uuid.uuid4()))
            assert warm.status == 201
        ids = [str(uuid.uuid4()) for _ in range(2)]
        measures = [server.measure_upload(client, pair, big, aid) for aid in ids]
        assert [m.status for m in measures] == [201, 201]
        growth = min(m.growth for m in measures)
        seconds = min(m.seconds for m in measures)
        print(f"database store: upload RSS growth {growth / MB:.1f} MB, {seconds:.2f} s")
        assert growth <= 10 * MB, f"RSS grew by {growth / MB:.1f} MB during a 20 MB upload to the database"
        downloads = [server.measure_download(client, pair, aid) for aid in ids]
        assert all(content == big and m.status == 200 for content, m in downloads)
        growth = min(m.growth for _, m in downloads)
        seconds = min(m.seconds for _, m in downloads)
        print(f"database store: download RSS growth {growth / MB:.1f} MB, {seconds:.2f} s")
        assert growth <= 10 * MB, (
            f"RSS grew by {growth / MB:.1f} MB during a 20 MB download from the database"
        )
    written = [p for p in (tmp_path / "attachments").glob("*/*") if p.parent.name != "tmp"]
    assert written == [], "the database store wrote no file"
