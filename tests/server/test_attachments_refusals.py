"""Refused documents on both databases: forged types, oversize files (declared or streamed), broken uploads.

Each refusal must be a clear French error and leave nothing behind: no message, no blob, no partial
file in the attachments folder.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers.documents import (
    make_big_pdf,
    make_jpeg,
    make_pdf,
    make_png,
    partial_files,
    stored_blobs,
    upload,
)
from tests.helpers.factories import Account, make_conversation, make_patient, make_practitioner
from tests.helpers.live_server import LiveServer

MIB = 1024 * 1024


@pytest.fixture
def trio(live_server: LiveServer) -> tuple[Account, Account, str]:
    doctor = make_practitioner(live_server)
    patient = make_patient(live_server)
    return doctor, patient, make_conversation(live_server, doctor, patient)


def assert_nothing_stored(
    api: httpx.Client, server: LiveServer, account: Account, conv: str, blobs: set[str]
) -> None:
    assert api.get(f"/conversations/{conv}", headers=account.headers).json()["last_seq"] == 0
    assert stored_blobs(server) == blobs
    # The 413 may go out before the route has removed what it stored: wait for it, briefly.
    deadline = time.monotonic() + 10
    while partial_files(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert partial_files(server) == []


FORGED = {
    "text named .pdf": (
        b"Bonjour docteur, voici mon ordonnance (ceci n'est pas un PDF).\n" * 20,
        "ordonnance.pdf",
    ),
    "html named .png": (b"<html><script>alert(1)</script></html>", "photo.png"),
    "pdf without its trailer": (make_pdf()[:-200], "coupe.pdf"),
    "png with a bad header crc": (make_png()[:29] + b"\x00\x00\x00\x00" + make_png()[33:], "image.png"),
    "jpeg signature then garbage": (b"\xff\xd8\xff" + b"\x00" * 5000, "photo.jpg"),
    "jpeg without a frame header": (make_jpeg()[:20], "photo.jpg"),
    "windows executable named .pdf": (b"MZ\x90\x00" + b"\x00" * 4000, "facture.pdf"),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_forged_files_are_refused_in_french_and_nothing_is_stored(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str], case: str
) -> None:
    _, patient, conv = trio
    blobs = stored_blobs(live_server)
    data, name = FORGED[case]
    r = upload(api, patient, conv, data, name)
    assert r.status_code == 415, r.text
    assert r.json()["code"] == "unsupported_file"
    assert r.json()["detail"].startswith("Ce fichier n'est pas un PDF, un JPEG ou un PNG valide")
    assert_nothing_stored(api, live_server, patient, conv, blobs)


def test_empty_file_is_refused(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    _, patient, conv = trio
    r = upload(api, patient, conv, b"", "vide.pdf")
    assert r.status_code == 415 and "vide" in r.json()["detail"]
    assert partial_files(live_server) == []


def test_image_over_50_megapixels_is_refused(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    _, patient, conv = trio
    blobs = stored_blobs(live_server)
    r = upload(api, patient, conv, make_png(8, 8, declared=(10_000, 6_000)), "panorama.png")
    assert r.status_code == 413
    assert r.json()["code"] == "image_too_large" and "50 mégapixels" in r.json()["detail"]
    assert_nothing_stored(api, live_server, patient, conv, blobs)


def test_file_over_25_mb_is_refused_with_a_declared_length(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, _, conv = trio
    blobs = stored_blobs(live_server)
    r = upload(api, doctor, conv, make_big_pdf(25 * MIB + 1), "scanner.pdf")
    assert r.status_code == 413
    assert r.json() == {"code": "file_too_large", "detail": "Le fichier dépasse la taille maximale de 25 Mo."}
    assert_nothing_stored(api, live_server, doctor, conv, blobs)
    # Far over the cap, the body-size guard answers before the route runs: still a 413.
    r = upload(api, doctor, conv, make_big_pdf(30 * MIB), "scanner.pdf")
    assert r.status_code == 413
    assert_nothing_stored(api, live_server, doctor, conv, blobs)


def test_file_over_25_mb_is_refused_when_streamed_without_length(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, _, conv = trio
    blobs = stored_blobs(live_server)
    pdf = make_big_pdf(26 * MIB)

    def chunks() -> Iterator[bytes]:  # a generator: httpx sends it chunked, with no Content-Length
        for start in range(0, len(pdf), MIB):
            yield pdf[start : start + MIB]

    r = upload(api, doctor, conv, chunks(), "scanner.pdf")
    assert r.status_code == 413
    # Whether the route or the body-size guard notices first, the answer is the same.
    assert r.json()["code"] == "file_too_large"
    assert r.request.headers.get("content-length") is None
    assert_nothing_stored(api, live_server, doctor, conv, blobs)


def test_streamed_upload_within_the_limit_is_accepted(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    doctor, patient, conv = trio
    pdf = make_big_pdf(25 * MIB)  # exactly the limit

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(pdf), 100_000):
            yield pdf[start : start + 100_000]

    r = upload(api, doctor, conv, chunks(), "dossier.pdf")
    assert r.status_code == 201, r.text
    assert r.json()["data"]["attachment"]["size"] == len(pdf)
    got = api.get(f"/attachments/{r.json()['id']}", headers=patient.headers)
    assert got.content == pdf


def test_interrupted_upload_leaves_no_partial_file(
    live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    _, patient, conv = trio
    blobs = stored_blobs(live_server)
    jpeg = make_jpeg()

    def chunks() -> Iterator[bytes]:
        yield jpeg
        yield b"\x00" * (2 * MIB)
        raise ConnectionAbortedError("réseau coupé")

    with httpx.Client(base_url=live_server.api, timeout=30) as client, pytest.raises(Exception):  # noqa: B017
        upload(client, patient, conv, chunks(), "photo.jpg", str(uuid.uuid4()))
    deadline = time.monotonic() + 10
    while partial_files(live_server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert partial_files(live_server) == []
    assert stored_blobs(live_server) == blobs


def test_over_limit_query_filename_is_refused(
    api: httpx.Client, live_server: LiveServer, trio: tuple[Account, Account, str]
) -> None:
    _, patient, conv = trio
    r = upload(api, patient, conv, make_pdf(), "a" * 1001 + ".pdf")
    assert r.status_code == 422 and "filename" in r.json()["detail"]
    assert partial_files(live_server) == []
