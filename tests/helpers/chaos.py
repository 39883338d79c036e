"""Senders and receivers that outlive server crashes, and the tally of what became of each message.

A `Sender` sends through the idempotent REST `PUT /conversations/{id}/messages/{client id}`: it
retries the same client id after any failure (connection refused, reset, timeout, 5xx) until the
server answers 200 or 201; only then is the message *acknowledged* and the next one sent.
A `Receiver` holds the other side's socket and resumes it from the last seq it processed
(`{"type": "auth", "last_seq": N}`) whenever it drops. The `Tally` says, for every acknowledged
message, how many times it reached the receiver: lost (0) and duplicated (>1) must be zero.
"""

from __future__ import annotations

import contextlib
import json
import random
import ssl
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect

NODE_HEADER = "X-Served-By"  # the node a proxy sent a request or a socket to (deploy/haproxy.cfg)
Urls = Callable[[], str]  # a base URL to use now (a random live process, for two processes)


@dataclass
class Sender:
    """One practitioner sending to one conversation until stopped."""

    urls: Urls
    token: str
    conversation_id: str
    stop: threading.Event
    pause: float = 0.0
    sent: list[str] = field(default_factory=list)  # client ids, in order (each retried until acked)
    acked: list[str] = field(default_factory=list)
    retries: int = 0
    thread: threading.Thread | None = None
    tls: ssl.SSLContext | None = None  # the CA to trust behind an HTTPS proxy (tests/helpers/scale_demo.py)
    nodes: Counter[str] = field(default_factory=Counter)  # acks per node (`X-Served-By` of the proxy)

    def start(self) -> Sender:
        self.thread = threading.Thread(target=self._run, name="chaos-sender", daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        verify: ssl.SSLContext | bool = self.tls if self.tls is not None else True
        with httpx.Client(
            timeout=10, headers=headers, verify=verify
        ) as client:  # one client: no TLS setup per try
            self._send_all(client)

    def _send_all(self, client: httpx.Client) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            message_id = str(uuid.uuid4())
            self.sent.append(message_id)
            body = {"body": f"message {n} ({message_id[:8]})"}
            while True:  # the same client id until the server acknowledges it
                try:
                    r = client.put(
                        f"{self.urls()}/api/v1/conversations/{self.conversation_id}/messages/{message_id}",
                        json=body,
                    )
                    if r.status_code in (200, 201):
                        self.acked.append(message_id)
                        self.nodes[r.headers.get(NODE_HEADER, "-")] += 1
                        break
                    if r.status_code < 500 and r.status_code != 429:
                        raise AssertionError(f"send refused: {r.status_code} {r.text}")
                except httpx.HTTPError:
                    pass
                self.retries += 1
                time.sleep(0.05 + random.random() * 0.05)
            if self.pause:
                time.sleep(self.pause)

    def join(self, timeout: float = 60) -> None:
        if self.thread is not None:
            self.thread.join(timeout)
            assert not self.thread.is_alive(), "a sender did not stop"


@dataclass
class Receiver:
    """The patient's socket: resumed from its last processed seq after every drop."""

    urls: Urls
    token: str
    stop: threading.Event
    last_seq: int = 0
    delivered: Counter[str] = field(default_factory=Counter)  # message id -> deliveries
    bodies: Counter[str] = field(default_factory=Counter)  # one per message a sender meant to send
    seq_replays: int = 0  # events at or below a seq already processed (a resume sent them again)
    resumes: int = 0
    reconnect: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    tls: ssl.SSLContext | None = None
    # Behind a proxy: (node, monotonic time) of each socket once ready, and of each drop.
    sessions: list[tuple[str, float]] = field(default_factory=list)
    drops: list[tuple[str, float]] = field(default_factory=list)

    def start(self) -> Receiver:
        self.thread = threading.Thread(target=self._run, name="chaos-receiver", daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(
                OSError, ConnectionClosed, InvalidHandshake, InvalidStatus, TimeoutError, ValueError
            ):
                self._session()
            if not self.stop.is_set():
                time.sleep(0.05)

    def _session(self) -> None:
        url = self.urls().replace("http", "ws", 1) + "/api/v1/ws"
        tls = self.tls if url.startswith("wss:") else None
        with connect(url, open_timeout=5, compression=None, ssl=tls) as ws:
            node = ws.response.headers.get(NODE_HEADER, "-") if ws.response is not None else "-"
            try:
                ws.send(json.dumps({"type": "auth", "token": self.token, "last_seq": self.last_seq}))
                ready = json.loads(ws.recv(timeout=5))
                if ready.get("type") != "ready":
                    return
                assert not ready.get("reset"), "the server lost events this receiver had processed"
                self.resumes += 1
                self.sessions.append((node, time.monotonic()))
                self._listen(ws)
            except (OSError, ConnectionClosed, TimeoutError):
                self.drops.append((node, time.monotonic()))
                raise

    def _listen(self, ws: ClientConnection) -> None:
        while not self.stop.is_set():
            if self.reconnect.is_set():
                self.reconnect.clear()
                return  # a resume asked by the test: catch up from the database
            try:
                frame = json.loads(ws.recv(timeout=0.2))
            except TimeoutError:
                continue
            if frame.get("type") != "event":
                continue
            self._process(frame)

    def _process(self, frame: dict[str, object]) -> None:
        seq = int(str(frame["seq"]))
        with self.lock:
            if seq <= self.last_seq:
                self.seq_replays += 1
                return
            if frame.get("event") == "message.created":
                data = frame["data"]
                assert isinstance(data, dict)
                self.delivered[str(data["message"]["id"])] += 1
                self.bodies[str(data["message"]["body"])] += 1
            self.last_seq = seq  # processed: a resume starts after it

    def count(self, message_id: str) -> int:
        with self.lock:
            return self.delivered[message_id]

    def join(self, timeout: float = 30) -> None:
        if self.thread is not None:
            self.thread.join(timeout)


@dataclass
class Tally:
    sent: int
    acknowledged: int
    delivered: int
    lost: int
    duplicated: int
    late: int  # acknowledged, not delivered live: reached the receiver only by the final resume
    retries: int
    resumes: int

    def line(self, scenario: str) -> str:
        return (
            f"chaos[{scenario}]: sent={self.sent} acknowledged={self.acknowledged} "
            f"delivered={self.delivered} lost={self.lost} duplicated={self.duplicated} "
            f"(late, by resume only={self.late}; send retries={self.retries}; socket resumes={self.resumes})"
        )


def settle(pairs: list[tuple[Sender, Receiver]], timeout: float) -> Tally:
    """After the senders stopped: force one resume per receiver, wait for every acked message."""
    live_missing = sum(1 for sender, receiver in pairs for mid in sender.acked if receiver.count(mid) == 0)
    for _, receiver in pairs:
        receiver.reconnect.set()  # the guaranteed path: a resume from the database
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(receiver.count(mid) for sender, receiver in pairs for mid in sender.acked):
            break
        time.sleep(0.1)
    time.sleep(0.5)  # a duplicate would arrive now
    sent = sum(len(s.sent) for s, _ in pairs)
    acked = sum(len(s.acked) for s, _ in pairs)
    delivered = sum(1 for s, r in pairs for mid in s.acked if r.count(mid) > 0)
    duplicated = sum(max(0, n - 1) for _, r in pairs for n in r.delivered.values())
    duplicated += sum(r.seq_replays for _, r in pairs)
    # The same text under two ids: one message stored twice (a retry that was not idempotent).
    duplicated += sum(max(0, n - 1) for _, r in pairs for n in r.bodies.values())
    # A message delivered that no acknowledgement names would be one stored twice under new ids.
    extra = 0
    for s, r in pairs:
        known = set(s.sent)
        extra += sum(1 for mid in r.delivered if mid not in known)
    return Tally(
        sent=sent,
        acknowledged=acked,
        delivered=delivered,
        lost=acked - delivered,
        duplicated=duplicated + extra,
        late=live_missing,
        retries=sum(s.retries for s, _ in pairs),
        resumes=sum(r.resumes for _, r in pairs),
    )


def stop_senders(pairs: list[tuple[Sender, Receiver]]) -> None:
    """Each sender finishes its message in flight (retried until acknowledged), then stops."""
    for sender, _ in pairs:
        sender.stop.set()
    for sender, _ in pairs:
        sender.join()


def stop_receivers(pairs: list[tuple[Sender, Receiver]]) -> None:
    for _, receiver in pairs:
        receiver.stop.set()
    for _, receiver in pairs:
        with contextlib.suppress(AssertionError):
            receiver.join()
