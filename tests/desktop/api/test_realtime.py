"""The realtime socket: events in order, resume from the last seq, reconnect, refused sessions."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from desktop.api.realtime import RealtimeClient
from desktop.domain.connection_status import ConnectionStatus
from desktop.kernel.backoff import Backoff
from tests.conftest import base_settings
from tests.desktop.services.harness import wait_for
from tests.helpers.factories import make_conversation, make_patient, make_practitioner, send
from tests.helpers.live_server import LiveServer, free_port


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[int, str]] = []
        self.statuses: list[ConnectionStatus] = []
        self.last_seq = 0

    async def on_event(self, seq: int, name: str, data: dict[str, object]) -> None:
        self.events.append((seq, name))
        self.last_seq = seq

    def on_status(self, status: ConnectionStatus) -> None:
        self.statuses.append(status)

    async def get_last_seq(self) -> int:
        return self.last_seq


def client_for(server: LiveServer, token: str, recorder: Recorder) -> RealtimeClient:
    return RealtimeClient(
        server.ws_url,
        lambda: token,
        recorder.get_last_seq,
        recorder.on_event,
        recorder.on_status,
        backoff=Backoff(first=0.05, ceiling=0.3),
    )


@pytest.mark.asyncio
async def test_events_arrive_and_resume_after_a_server_restart(tmp_path: Path) -> None:
    settings = base_settings(
        tmp_path, allow_practitioner_signup=True, port=free_port()
    )  # same port after restart
    server = LiveServer(settings).start()
    doctor = make_practitioner(server)
    patient = make_patient(server)
    conversation_id = make_conversation(server, doctor, patient)
    recorder = Recorder()
    client = client_for(server, doctor.token, recorder)
    task = asyncio.get_running_loop().create_task(client.run())
    try:
        await wait_for(lambda: client.status is ConnectionStatus.ONLINE)
        with httpx.Client(base_url=server.api) as http:
            assert send(http, patient, conversation_id, "premier").status_code == 201
        await wait_for(lambda: any(name == "message.created" for _, name in recorder.events))

        server.stop()  # network loss: the client goes offline and retries
        await wait_for(lambda: client.status is not ConnectionStatus.ONLINE)
        server = LiveServer(settings).start()  # same port and database
        with httpx.Client(base_url=server.api) as http:  # sent while the client is away
            assert send(http, patient, conversation_id, "pendant la coupure").status_code == 201
        await wait_for(lambda: sum(name == "message.created" for _, name in recorder.events) == 2, timeout=20)
        seqs = [seq for seq, _ in recorder.events]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))  # in order, nothing twice
        assert ConnectionStatus.OFFLINE in recorder.statuses
    finally:
        await client.stop()
        await asyncio.wait_for(task, 10)
        server.stop()


@pytest.mark.asyncio
async def test_a_refused_token_signs_out(sqlite_server: LiveServer) -> None:
    recorder = Recorder()
    client = client_for(sqlite_server, "invalid-token", recorder)
    task = asyncio.get_running_loop().create_task(client.run())
    try:
        await wait_for(lambda: client.status is ConnectionStatus.SIGNED_OUT)
    finally:
        await client.stop()
        await asyncio.wait_for(task, 10)


@pytest.mark.asyncio
async def test_a_reset_ready_reaches_the_reset_handler_before_events(sqlite_server: LiveServer) -> None:
    """The server cannot replay after our seq (`ready.reset`): the handler reloads, then events go on."""
    doctor = make_practitioner(sqlite_server)
    patient = make_patient(sqlite_server)
    conversation_id = make_conversation(sqlite_server, doctor, patient)
    recorder = Recorder()
    recorder.last_seq = 10_000  # a seq the server no longer knows (restored database, purged events)
    resets: list[int] = []
    client = client_for(sqlite_server, doctor.token, recorder)

    async def on_reset(frame: dict[str, object]) -> None:
        seq = frame["seq"]
        assert isinstance(seq, int)
        resets.append(seq)
        recorder.last_seq = seq

    client.add_frame_handler("reset", on_reset)
    task = asyncio.get_running_loop().create_task(client.run())
    try:
        await wait_for(lambda: client.status is ConnectionStatus.ONLINE)
        assert resets == [1]  # the server's own numbering: conversation.created
        with httpx.Client(base_url=sqlite_server.api) as http:
            assert send(http, patient, conversation_id, "après la remise à zéro").status_code == 201
        await wait_for(lambda: (2, "message.created") in recorder.events)
    finally:
        await client.stop()
        await asyncio.wait_for(task, 10)
