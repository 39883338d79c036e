"""Three `teleconsult-server serve` processes behind a real HAProxy with TLS: the whole consultation
through the proxy, a node SIGKILLed under load, then a rolling restart (`make scale-demo`).

Run by `scripts/scale_demo.py` (`make scale-demo`, the full length) and by
tests/server/test_scale_demo.py (a short length, in `make test`). What it starts, all on 127.0.0.1
and all stopped at the end:

- a fresh PostgreSQL database `scale_demo_<random>` on the server of TELECONSULT_TEST_POSTGRES_URL
  (default postgres@127.0.0.1:5432, database `postgres`), dropped at the end;
- a Redis of its own (tests/helpers/redis_process.py);
- a throwaway certificate authority and a certificate for 127.0.0.1/localhost, made with
  `cryptography`; every client here trusts that CA and nothing else;
- three server processes with one attachments key (documents in PostgreSQL, the default there)
  and one data folder (the outbox the sign-up code is read from);
- HAProxy with deploy/haproxy.cfg, the file docs/deploy.md documents, unchanged: only its
  environment variables are set here.

Which node served a request or a socket is read from the `X-Served-By` header the proxy adds.
Every step prints a line and a JSON line (`{"step": …, "ok": …}`), the figures come last (also as
JSON lines), and `run()` returns False on any failed step, loss or duplicate.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import ipaddress
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from tests.helpers.chaos import NODE_HEADER, Receiver, Sender, Tally, settle, stop_receivers, stop_senders
from tests.helpers.redis_process import RedisProcess
from tests.helpers.server_process import ServerChild, free_port
from tests.helpers.ws import RealtimeClient

ROOT = Path(__file__).resolve().parents[2]
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
BACKEND = "teleconsult_nodes"
NODES = ("node1", "node2", "node3")
PASSWORD = "correct-horse-42"
SIGNUP_CODE = re.compile(r"code[^0-9]{0,40}(\d{6})")
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"  # only to create and drop


@dataclass(frozen=True)
class Length:
    """How long each phase lasts: `full()` for `make scale-demo`, `short()` for the test."""

    pairs: int  # conversations with one sender and one receiving socket each
    warm_seconds: float  # traffic before the kill
    after_kill_seconds: float  # traffic after every socket came back, before the restart
    between_restarts_seconds: float  # traffic between two nodes of the rolling restart
    # The rolling restart also restarts the node that was killed (and restarted) just before; the
    # short length skips it: every node is still restarted once, and a start costs seconds.
    roll_killed: bool = True

    @staticmethod
    def full() -> Length:
        return Length(pairs=9, warm_seconds=4.0, after_kill_seconds=4.0, between_restarts_seconds=3.0)

    @staticmethod
    def short() -> Length:
        return Length(
            pairs=4, warm_seconds=1.0, after_kill_seconds=1.0, between_restarts_seconds=1.0, roll_killed=False
        )


class StepError(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise StepError(what)


@dataclass
class Report:
    """Prints each step as a sentence and a JSON line; keeps the figures."""

    out: Callable[[str], None] = print
    steps: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @contextlib.contextmanager
    def step(self, name: str, what: str) -> Iterator[dict[str, Any]]:
        detail: dict[str, Any] = {}
        started = time.monotonic()
        self.out(f"… {what}")
        try:
            yield detail
        except Exception as exc:
            record = {"step": name, "ok": False, "error": f"{type(exc).__name__}: {exc}"[:500], **detail}
            self.steps.append(record)
            self.out(f"ÉCHEC {name}: {record['error']}")
            self.out(json.dumps(record, ensure_ascii=False))
            raise
        record = {"step": name, "ok": True, "seconds": round(time.monotonic() - started, 3), **detail}
        self.steps.append(record)
        extra = ", ".join(f"{k}={v}" for k, v in detail.items())
        self.out(f"ok  {name} ({record['seconds']} s){': ' + extra if extra else ''}")
        self.out(json.dumps(record, ensure_ascii=False))

    def figure(self, name: str, value: Any) -> None:
        self.figures[name] = value


# ------------------------------------------------------------------------------------------- TLS
@dataclass(frozen=True)
class Tls:
    ca_path: Path
    server_pem: Path  # certificate, CA, private key: what HAProxy's `crt` reads

    def client_context(self) -> ssl.SSLContext:
        """Trusts the throwaway CA only (not the system's)."""
        return ssl.create_default_context(cafile=str(self.ca_path))


def make_tls(folder: Path) -> Tls:
    """A CA valid one day around now and a server certificate for 127.0.0.1 and localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Teleconsult scale demo CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_path = folder / "ca.pem"
    ca_path.write_bytes(ca.public_bytes(pem))
    server_pem = folder / "server.pem"
    server_pem.write_bytes(
        cert.public_bytes(pem)
        + ca.public_bytes(pem)
        + key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server_pem.chmod(0o600)
    return Tls(ca_path, server_pem)


# ------------------------------------------------------------------------------------ PostgreSQL
def _pg_connect_args(url: str) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return {
        "user": u.username,
        "password": u.password,
        "host": u.host,
        "port": u.port,
        "database": u.database,
    }


def create_database(admin_url: str) -> tuple[str, str]:
    """A fresh `scale_demo_<random>` database: (its name, its URL)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    name = f"scale_demo_{secrets.token_hex(6)}"

    async def create() -> None:
        conn = await asyncpg.connect(**_pg_connect_args(admin_url))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(**_pg_connect_args(admin_url))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


def postgres_reachable(admin_url: str) -> bool:
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(**_pg_connect_args(admin_url), timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


# --------------------------------------------------------------------------------------- HAProxy
def haproxy_binary(install: bool) -> str | None:
    """HAProxy from Debian; installed with apt-get when missing and `install` (as root)."""
    found = shutil.which("haproxy") or (Path("/usr/sbin/haproxy").exists() and "/usr/sbin/haproxy") or None
    if found is None and install and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "haproxy"], check=True, env=env
        )
        found = shutil.which("haproxy") or "/usr/sbin/haproxy"
    return str(found) if found else None


class HaproxyProcess:
    """`haproxy -db -f deploy/haproxy.cfg` in the foreground, its log in a file."""

    def __init__(self, binary: str, folder: Path, tls: Tls, nodes: list[ServerChild], port: int) -> None:
        self.binary = binary
        self.folder = folder
        self.port = port
        self.stats_socket = folder / "haproxy.sock"
        self.log_path = folder / "haproxy.log"
        self.env = {
            **os.environ,
            "TC_BIND": f"127.0.0.1:{self.port}",
            "TC_CERT": str(tls.server_pem),
            "TC_STATS_SOCKET": str(self.stats_socket),
            **{f"TC_NODE{i + 1}": f"127.0.0.1:{node.port}" for i, node in enumerate(nodes)},
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> None:
        command = [self.binary, "-db", "-f", str(HAPROXY_CONFIG)]
        checked = subprocess.run([*command, "-c"], env=self.env, capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise RuntimeError(f"haproxy refuses its configuration: {checked.stdout}{checked.stderr}")
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.wait_states({n: "UP" for n in NODES}, timeout)

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(self.stats_socket))
            s.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def stats(self) -> dict[str, dict[str, str]]:
        """`show stat` of the backend's servers, by server name."""
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
        return {r["svname"]: r for r in rows if r.get("pxname") == BACKEND and r["svname"] in NODES}

    def wait_states(self, wanted: dict[str, str], timeout: float = 30) -> None:
        """Until the health checks see each named node in the wanted state (UP, DOWN…)."""
        deadline = time.monotonic() + timeout
        seen: dict[str, str] = {}
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"haproxy exited: {self.log_path.read_text(errors='replace')[-800:]}")
            with contextlib.suppress(OSError, IndexError, KeyError):
                seen = {name: row["status"] for name, row in self.stats().items()}
                if all(state in seen.get(n, "") for n, state in wanted.items()):
                    return
            time.sleep(0.05)
        raise TimeoutError(f"haproxy's view of the nodes: {seen}, wanted {wanted}")

    def requests_per_node(self) -> dict[str, int]:
        """HTTP requests (WebSocket upgrades included) each node answered, as HAProxy counted them."""
        return {name: int(row.get("req_tot") or row["stot"]) for name, row in sorted(self.stats().items())}

    def retries_per_node(self) -> dict[str, dict[str, int]]:
        """Connections HAProxy retried (`wretr`) and sent to another node (`wredis`), per node."""
        return {
            name: {"retried": int(row.get("wretr") or 0), "redispatched": int(row.get("wredis") or 0)}
            for name, row in sorted(self.stats().items())
        }

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGUSR1)  # soft stop: finish, then exit
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None


# --------------------------------------------------------------------------------------- cluster
@dataclass
class Cluster:
    folder: Path
    admin_url: str
    tls: Tls
    redis: RedisProcess
    database: str
    database_url: str
    nodes: list[ServerChild]
    proxy: HaproxyProcess

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=f"{self.proxy.url}/api/v1", verify=self.tls.client_context(), **kwargs)

    def client_from(self, address: str) -> httpx.Client:
        """A client whose connections leave from `address` (another loopback address)."""
        transport = httpx.HTTPTransport(local_address=address, verify=self.tls.client_context())
        return httpx.Client(base_url=f"{self.proxy.url}/api/v1", transport=transport, timeout=30)

    @property
    def ws_url(self) -> str:
        return self.proxy.url.replace("https", "wss", 1) + "/api/v1/ws"

    def node(self, name: str) -> ServerChild:
        return self.nodes[NODES.index(name)]


@contextlib.contextmanager
def cluster(report: Report, admin_url: str, haproxy: str) -> Iterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="teleconsult-scale-"))
    keep = True
    database = ""
    redis: RedisProcess | None = None
    nodes: list[ServerChild] = []
    proxy: HaproxyProcess | None = None
    try:
        with report.step(
            "start", "PostgreSQL (fresh database), Redis, TLS, 3 server processes, HAProxy"
        ) as d:
            database, database_url = create_database(admin_url)
            redis = RedisProcess(folder).start()
            tls = make_tls(folder)
            data = folder / "data"
            data.mkdir()
            proxy_port = free_port()
            env = {
                "TELECONSULT_DATABASE_URL": database_url,
                "TELECONSULT_REDIS_URL": redis.url,
                "TELECONSULT_PUBLIC_URL": f"https://127.0.0.1:{proxy_port}",
                "TELECONSULT_SIGNUP_PLAN": "PRO+",
                "TELECONSULT_ATTACHMENTS_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
                "TELECONSULT_TRUSTED_PROXIES": "127.0.0.1",
                "TELECONSULT_DELIVERY_POLL_SECONDS": "0.2",
            }
            nodes += [
                ServerChild(data, env, args=("--allow-practitioner-signup",), inherit_settings=False)
                for _ in NODES
            ]
            nodes[0].start()  # applies the migrations; the two others then start side by side
            _in_parallel([node.start for node in nodes[1:]])
            proxy = HaproxyProcess(haproxy, folder, tls, nodes, proxy_port)  # the port the links name
            proxy.start()
            d |= {"proxy": proxy.url, "database": database, "nodes": [n.port for n in nodes]}
        yield Cluster(folder, admin_url, tls, redis, database, database_url, nodes, proxy)
    except BaseException:
        keep = True  # the logs of HAProxy, of the nodes and of Redis, for the failure's reader
        raise
    else:
        keep = False
    finally:
        if proxy is not None:
            proxy.stop()
        for node in nodes:
            node.stop()
        if redis is not None:
            redis.kill()
        if database:
            drop_database(admin_url, database)
        if keep:
            report.out(f"Journaux gardés dans {folder} (haproxy.log, data/server-*.log, redis-*.log)")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _in_parallel(actions: list[Callable[[], object]]) -> None:
    """Run the actions in threads; the first failure is raised once all have ended."""
    failures: list[BaseException] = []

    def run(action: Callable[[], object]) -> None:
        try:
            action()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(a,), daemon=True) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]


# -------------------------------------------------------------------------------------- scenario
def _ok(r: httpx.Response, *codes: int) -> dict[str, Any]:
    check(
        r.status_code in (codes or (200,)),
        f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}",
    )
    body: dict[str, Any] = r.json() if r.content else {}
    return body


def _frame(sock: RealtimeClient, kind: str, timeout: float = 15, **match: Any) -> dict[str, Any]:
    """The next frame of type `kind` (or persisted event `kind`) whose fields match."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        frame = sock.recv(timeout=left)
        named = frame.get("type") == kind or (frame.get("type") == "event" and frame.get("event") == kind)
        if named and all(_dig(frame, k) == v for k, v in match.items()):
            return frame
    raise TimeoutError(f"no {kind} frame {match or ''} within {timeout} s")


def _dig(frame: dict[str, Any], path: str) -> Any:
    value: Any = frame
    for part in path.split("__"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _signup_code(outbox: Path, email: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = [f.read_text(errors="replace") for f in sorted(outbox.iterdir())] if outbox.exists() else []
        codes = [m.group(1) for t in texts if email in t for m in [SIGNUP_CODE.search(t)] if m]
        if codes:
            return codes[-1]
        time.sleep(0.05)
    raise TimeoutError("no sign-up code in the outbox")


def _pdf() -> bytes:
    from tests.helpers.documents import make_pdf  # by hand: the server-only venv has no reportlab

    return make_pdf("Compte rendu : démonstration multi-nœuds.")


def _rpps() -> str:
    from contracts.identifiers import luhn_check_digit

    prefix = f"1{secrets.randbelow(10**9):09d}"
    return prefix + luhn_check_digit(prefix)


def _socket_on_other_node(c: Cluster, token: str, avoid: str, last_seq: int = 0) -> RealtimeClient:
    """A socket through the proxy that landed on a node other than `avoid` (reconnects until so)."""
    for _ in range(12):
        sock = RealtimeClient(c.ws_url, token, last_seq, tls=c.tls.client_context())
        if sock.node != avoid:
            return sock
        sock.close()
    raise StepError(f"every socket landed on {avoid}")


def consultation(c: Cluster, report: Report) -> None:
    """The whole story through the proxy, the practitioner and the patient on different nodes."""
    outbox = c.nodes[0].data_dir / "outbox"
    served: Counter[str] = Counter()

    def count(r: httpx.Response) -> None:
        served[r.headers.get(NODE_HEADER, "-")] += 1

    with contextlib.ExitStack() as stack:
        client = stack.enter_context(c.client(timeout=30, event_hooks={"response": [count]}))
        with report.step("practitioner", "practitioner account created through the proxy (HTTPS)") as d:
            email = f"claire.{uuid.uuid4().hex[:8]}@cabinet.example.fr"
            body = {
                "email": email,
                "password": PASSWORD,
                "first_name": "Claire",
                "last_name": "Martin",
                "profession": "medecin_generaliste",
                "rpps": _rpps(),
            }
            doctor = _ok(client.post("/auth/practitioners", json=body), 201)
            dh = {"Authorization": f"Bearer {doctor['token']}"}
            check(_ok(client.get("/me", headers=dh))["plan"] == "PRO+", "the practitioner is not PRO+")
            doctor_sock = stack.enter_context(
                RealtimeClient(c.ws_url, doctor["token"], tls=c.tls.client_context())
            )
            check(doctor_sock.ready.get("type") == "ready", f"socket: {doctor_sock.ready}")
            d["practitioner_socket_node"] = doctor_sock.node

        with report.step("invitation", "invitation by email, its link opened through the proxy") as d:
            patient_email = f"helene.{uuid.uuid4().hex[:8]}@patient.example.fr"
            invited = _ok(
                client.post(
                    "/invitations",
                    json={"first_name": "Hélène", "last_name": "Dupont", "email": patient_email},
                    headers=dh,
                ),
                201,
            )
            invitation_id = invited["invitation"]["id"]
            url = _ok(client.post(f"/invitations/{invitation_id}/link", headers=dh))["url"]
            check(url.startswith(c.proxy.url), f"the link is not the proxy's: {url}")
            link_token = url.rsplit("/", 1)[1]
            with httpx.Client(verify=c.tls.client_context(), timeout=30) as browser:
                page = browser.get(url)
            check(page.status_code == 200, f"invitation page: {page.status_code}")
            d["page_node"] = page.headers.get(NODE_HEADER)

        with report.step(
            "patient", "patient signs up (code from the outbox) and accepts the invitation"
        ) as d:
            started = _ok(
                client.post(
                    "/auth/patients",
                    json={
                        "first_name": "Hélène",
                        "last_name": "Dupont",
                        "email": patient_email,
                        "password": PASSWORD,
                    },
                ),
                202,
            )
            code = _signup_code(outbox, patient_email)
            patient = _ok(
                client.post(f"/auth/patients/{started['signup_id']}/confirm", json={"code": code}), 201
            )
            ph = {"Authorization": f"Bearer {patient['token']}"}
            accepted = _ok(client.post("/invitation-links/accept", json={"token": link_token}, headers=ph))
            conv = accepted["conversation_id"]
            _frame(doctor_sock, "conversation.created")
            status = _ok(client.get(f"/invitations/{invitation_id}", headers=dh))["status"]
            check(status == "accepted", f"invitation status {status}")
            seq = _ok(client.get("/me", headers=ph))["event_seq"]
            patient_sock = stack.enter_context(
                _socket_on_other_node(c, patient["token"], doctor_sock.node, seq)
            )
            d |= {"practitioner_node": doctor_sock.node, "patient_node": patient_sock.node}
            check(patient_sock.node != doctor_sock.node, "both sockets on one node")

        with report.step("chat", "chat both ways, over REST and over the WebSocket, across nodes") as d:
            for sender, headers, receiver in ((patient, ph, doctor_sock), (doctor, dh, patient_sock)):
                mid = str(uuid.uuid4())
                r = client.put(
                    f"/conversations/{conv}/messages/{mid}", json={"body": "Bonjour (REST)"}, headers=headers
                )
                _ok(r, 201)
                _frame(receiver, "message.created", data__message__id=mid)
                d[f"rest_{sender['user']['role']}_node"] = r.headers.get(NODE_HEADER)
            for sock, other in ((doctor_sock, patient_sock), (patient_sock, doctor_sock)):
                mid = str(uuid.uuid4())
                sock.send(
                    {"type": "message.send", "id": mid, "conversation_id": conv, "body": "Bonjour (socket)"}
                )
                _frame(sock, "ack", id=mid)
                _frame(other, "message.created", data__message__id=mid)
            listed = _ok(client.get(f"/conversations/{conv}/messages", headers=dh))
            d["messages"] = len(listed["items"])
            check(d["messages"] == 4, f"{d['messages']} messages listed, 4 sent")

        with report.step(
            "document", "PDF uploaded by the patient, downloaded by the practitioner on another node"
        ) as d:
            pdf = _pdf()
            aid = str(uuid.uuid4())
            up = client.put(
                f"/conversations/{conv}/attachments/{aid}",
                params={"filename": "compte-rendu.pdf"},
                content=pdf,
                headers={**ph, "Content-Type": "application/pdf"},
            )
            _ok(up, 201)
            nodes_seen = set()
            for _ in range(12):  # the practitioner's own connections: until another node served one
                with c.client(timeout=30, event_hooks={"response": [count]}) as desktop:
                    down = desktop.get(f"/attachments/{aid}", headers=dh)
                check(down.status_code == 200 and down.content == pdf, f"download: {down.status_code}")
                nodes_seen.add(down.headers.get(NODE_HEADER))
                if nodes_seen - {up.headers.get(NODE_HEADER)}:
                    break
            check(bool(nodes_seen - {up.headers.get(NODE_HEADER)}), "every download on the upload's node")
            d |= {
                "upload_node": up.headers.get(NODE_HEADER),
                "download_nodes": sorted(str(n) for n in nodes_seen),
            }

        with report.step(
            "call", "call signaling relayed between sockets on two nodes (offer, answer, ICE)"
        ) as d:
            doctor_sock.send({"type": "call.start", "conversation_id": conv, "ref": "r1"})
            call_id = _frame(doctor_sock, "call.start.ok")["call"]["id"]
            patient_sock.send({"type": "call.ready", "call_id": call_id, "peer": "navigateur"})
            _frame(doctor_sock, "call.ready", call_id=call_id)
            doctor_sock.send({"type": "call.offer", "call_id": call_id, "session": "s1", "sdp": _SDP})
            _frame(patient_sock, "call.offer", call_id=call_id)
            patient_sock.send({"type": "call.answer", "call_id": call_id, "session": "s1", "sdp": _SDP})
            _frame(doctor_sock, "call.answer", call_id=call_id)
            for sock, other in ((doctor_sock, patient_sock), (patient_sock, doctor_sock)):
                sock.send(
                    {"type": "call.candidate", "call_id": call_id, "session": "s1", "candidate": _CANDIDATE}
                )
                got = _frame(other, "call.candidate", call_id=call_id)
                check(got.get("candidate") == _CANDIDATE, f"candidate relayed as {got.get('candidate')}")
            doctor_sock.send({"type": "call.hangup", "call_id": call_id, "reason": "hangup"})
            _frame(patient_sock, "call.hangup", call_id=call_id)
            d["relayed"] = "offer, answer, 2 candidates, hangup"

        with report.step(
            "payment", "payment request, then the practitioner records a payment by cheque"
        ) as d:
            payment = _ok(
                client.post(
                    f"/conversations/{conv}/payments",
                    json={"amount": "25.00", "label": "Téléconsultation"},
                    headers=dh,
                ),
                201,
            )
            _frame(patient_sock, "payment.created")
            paid = _ok(
                client.post(f"/payments/{payment['id']}/mark-paid", json={"method": "cheque"}, headers=dh)
            )
            check(paid["status"] == "paid", f"payment status {paid['status']}")
            _frame(patient_sock, "payment.updated")
            seen_by_patient = _ok(client.get(f"/payments/{payment['id']}", headers=ph))
            check(seen_by_patient["status"] == "paid", "the patient does not see it paid")
            d["status"] = "paid"

        with report.step("forwarded_for", "rate limits see the client's address behind the proxy") as d:
            unknown = f"personne.{uuid.uuid4().hex[:8]}@example.fr"
            wrong = {"identifier": unknown, "password": "mauvais-mot-de-passe", "role": "patient"}
            with c.client_from("127.0.0.2") as attacker, c.client_from("127.0.0.3") as neighbour:
                codes = [attacker.post("/auth/login", json=wrong).status_code for _ in range(10)]
                check(codes == [401] * 10, f"wrong logins answered {codes}")
                blocked = attacker.post("/auth/login", json={**wrong, "identifier": "autre@example.fr"})
                check(blocked.status_code == 429, f"the 11th failure from one address: {blocked.status_code}")
                other = neighbour.post("/auth/login", json={**wrong, "identifier": "autre@example.fr"})
                check(other.status_code == 401, f"another address was limited too: {other.status_code}")
            d |= {"127.0.0.2": "429 after 10 failures", "127.0.0.3": "401 (not limited)"}
    report.figure("consultation_requests_per_node", dict(sorted(served.items())))


_SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
_CANDIDATE = {
    "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}


# ---------------------------------------------------------------------------------- load & chaos
@dataclass
class SocketSender(Sender):
    """A sender over its own WebSocket (`message.send`, answered by `ack`), as the desktop sends:
    after a drop or a missing ack it reconnects through the proxy and sends the same id again."""

    def _run(self) -> None:
        ws: ClientConnection | None = None
        node = "-"
        n = 0
        try:
            while not self.stop.is_set():
                n += 1
                message_id = str(uuid.uuid4())
                self.sent.append(message_id)
                frame = {
                    "type": "message.send",
                    "id": message_id,
                    "conversation_id": self.conversation_id,
                    "body": f"message {n} ({message_id[:8]})",
                }
                while True:  # the same id until acknowledged
                    try:
                        if ws is None:
                            ws, node = self._open()
                        ws.send(json.dumps(frame))
                        self._await_ack(ws, message_id)
                        self.acked.append(message_id)
                        self.nodes[node] += 1
                        break
                    except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError, ValueError):
                        if ws is not None:
                            ws.close()
                        ws = None
                        self.retries += 1
                        time.sleep(0.05 + random.random() * 0.05)
                if self.pause:
                    time.sleep(self.pause)
        finally:
            if ws is not None:
                ws.close()

    def _open(self) -> tuple[ClientConnection, str]:
        url = self.urls().replace("http", "ws", 1) + "/api/v1/ws"
        opener = connect(
            url, open_timeout=5, compression=None, ssl=self.tls if url.startswith("wss:") else None
        )
        ws = opener.__enter__()  # closed by `ws.close()` (as tests/helpers/ws.py does)
        try:
            ws.send(json.dumps({"type": "auth", "token": self.token, "last_seq": 0}))
            deadline = time.monotonic() + 5
            while json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic()))).get("type") != "ready":
                pass
        except BaseException:
            ws.close()
            raise
        return ws, ws.response.headers.get(NODE_HEADER, "-") if ws.response is not None else "-"

    @staticmethod
    def _await_ack(ws: ClientConnection, message_id: str, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while True:
            frame = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if frame.get("id") != message_id:
                continue  # events (its own messages, resumed), pongs
            if frame.get("type") == "ack":
                return
            if frame.get("type") == "error":
                raise AssertionError(f"send refused: {frame.get('code')} {frame.get('detail')}")


def _make_pairs(c: Cluster, count: int) -> list[tuple[str, str, str]]:
    """(sender token, receiver token, conversation): half practitioner → patient, half the other way.

    Made through the domain services on the shared database (what the test of two processes does):
    the consultation above already went through every HTTP step once."""
    from server.accounts.service import NewPatient, NewPractitioner
    from server.app import start_runtime
    from server.settings import Settings

    settings = Settings.load(
        environ={},
        dotenv_path=c.folder / "absent.env",
        overrides={"data_dir": c.nodes[0].data_dir, "database_url": c.database_url, "redis_url": c.redis.url},
    )

    async def make() -> list[tuple[str, str, str]]:
        runtime = await start_runtime(settings, migrate=False)
        try:
            accounts = runtime.services.accounts
            pairs = []
            for i in range(count):
                doctor = await accounts.create_practitioner(
                    NewPractitioner(
                        email=f"praticien.{uuid.uuid4().hex[:10]}@example.fr",
                        password=PASSWORD,
                        first_name="Claire",
                        last_name="Martin",
                        profession="medecin_generaliste",
                        rpps=_rpps(),
                    )
                )
                patient = await accounts.create_patient(
                    NewPatient(
                        first_name="Zoé",
                        last_name="Bernard",
                        password=PASSWORD,
                        email=f"patient.{uuid.uuid4().hex[:10]}@example.fr",
                    )
                )
                async with runtime.core.transaction() as tx:
                    conv, _ = await runtime.services.conversations.ensure_conversation(
                        tx, doctor.id, patient.id
                    )
                tokens = (await accounts.open_session(doctor.id), await accounts.open_session(patient.id))
                sender, receiver = tokens if i % 2 == 0 else tokens[::-1]
                pairs.append((sender, receiver, conv.id))
            return pairs
        finally:
            await runtime.close()

    return asyncio.run(make())


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


def _acked(pairs: list[tuple[Sender, Receiver]]) -> int:
    return sum(len(s.acked) for s, _ in pairs)


def _flowing(pairs: list[tuple[Sender, Receiver]], seconds: float) -> None:
    """Traffic for `seconds`, and at least one more acknowledgement per sender meanwhile."""
    before = [len(s.acked) for s, _ in pairs]
    time.sleep(seconds)
    _wait(
        lambda: all(len(s.acked) > n for (s, _), n in zip(pairs, before, strict=True)),
        30,
        "a sender made no progress",
    )


def _current_node(r: Receiver) -> tuple[str, float] | None:
    sessions, drops = list(r.sessions), list(r.drops)
    if not sessions or (drops and drops[-1][1] >= sessions[-1][1]):
        return None
    return sessions[-1]


def _moved(r: Receiver, node: str, since: float) -> float | None:
    """Seconds from `since` until the socket was ready again on another node than `node`."""
    later = [t for n, t in list(r.sessions) if t > since and n != node]
    return later[0] - since if later else None


def _wait_moved(receivers: list[Receiver], node: str, since: float, timeout: float = 30) -> list[float]:
    """Until every socket that was on `node` is ready on another: the seconds each took."""
    _wait(lambda: all(_moved(r, node, since) is not None for r in receivers), timeout, "a socket stayed away")
    return [float(_moved(r, node, since) or 0.0) for r in receivers]


def _ms(values: list[float], pick: Callable[[list[float]], float]) -> float | None:
    return round(pick(values) * 1000, 1) if values else None


def chaos(c: Cluster, report: Report, length: Length) -> Tally:
    stop_sending, stop_receiving = threading.Event(), threading.Event()
    urls = lambda: c.proxy.url  # noqa: E731 - every client goes through the proxy
    tls = c.tls.client_context()
    with report.step(
        "load",
        f"{length.pairs} senders (1 in 3 over its socket, the others REST), {length.pairs} sockets receiving",
    ) as d:
        made = _make_pairs(c, length.pairs)
        # One sender in three sends over its WebSocket, the others over REST.
        pairs = [
            (
                (SocketSender if i % 3 == 2 else Sender)(
                    urls, sender, conv, stop_sending, pause=0.02, tls=tls
                ),
                Receiver(urls, receiver, stop_receiving, tls=tls),
            )
            for i, (sender, receiver, conv) in enumerate(made)
        ]
        for _, r in pairs:
            r.start()
        _wait(lambda: all(_current_node(r) for _, r in pairs), 30, "a socket did not open")
        for s, _ in pairs:
            s.start()
        _flowing(pairs, length.warm_seconds)
        d["sockets_per_node"] = dict(
            sorted(Counter((_current_node(r) or ("-", 0.0))[0] for _, r in pairs).items())
        )
        d["acked"] = _acked(pairs)
    reconnects: list[float] = []  # after the SIGKILL, seconds per socket that was on the node
    graceful: list[float] = []  # after each SIGTERM of the rolling restart
    try:
        with report.step("kill", "SIGKILL of the node holding the most sockets, under traffic") as d:
            on = Counter((_current_node(r) or ("-", 0.0))[0] for _, r in pairs)
            victim = max(NODES, key=lambda n: on.get(n, 0))
            hit = [r for _, r in pairs if (_current_node(r) or ("-", 0.0))[0] == victim]
            check(bool(hit), "no socket on any node")
            acked_before = _acked(pairs)
            killed_at = time.monotonic()
            c.node(victim).kill()

            reconnects = _wait_moved(hit, victim, killed_at)
            c.proxy.wait_states({victim: "DOWN"}, 10)
            _flowing(pairs, length.after_kill_seconds)
            d |= {
                "node": victim,
                "sockets_dropped": len(hit),
                "acked_during": _acked(pairs) - acked_before,
                "reconnect_ms_p50": _ms(reconnects, statistics.median),
                "reconnect_ms_max": _ms(reconnects, max),
            }
        with report.step("restart_killed", "the killed node restarted, back in HAProxy") as d:
            c.node(victim).start()
            c.proxy.wait_states({victim: "UP"}, 30)
            d["node"] = victim
        for name in [n for n in NODES if length.roll_killed or n != victim]:
            with report.step(
                f"rolling_{name}", f"rolling restart: {name} stopped (SIGTERM) and restarted under traffic"
            ) as d:
                acked_before = _acked(pairs)
                held = [r for _, r in pairs if (_current_node(r) or ("-", 0.0))[0] == name]
                # Drained first: HAProxy sends it nothing new, its sockets reconnect straight elsewhere.
                c.proxy.command(f"set server {BACKEND}/{name} state drain")
                t0 = time.monotonic()
                c.node(name).stop()  # graceful: uvicorn closes its sockets (1012) and finishes requests
                d["stop_s"] = round(time.monotonic() - t0, 2)
                graceful += _wait_moved(held, name, t0)
                closed = [t - t0 for r in held for n, t in list(r.drops) if n == name and t > t0][: len(held)]
                d["socket_closed_ms_p50"] = _ms(closed, statistics.median)
                d["sockets_moved"] = len(held)
                c.proxy.wait_states({name: "DOWN"}, 10)
                _flowing(pairs, length.between_restarts_seconds / 2)
                t0 = time.monotonic()
                c.node(name).start()
                d["start_s"] = round(time.monotonic() - t0, 2)
                c.proxy.command(f"set server {BACKEND}/{name} state ready")
                c.proxy.wait_states({name: "UP"}, 30)
                _wait(lambda: all(_current_node(r) for _, r in pairs), 30, "a socket did not come back")
                _flowing(pairs, length.between_restarts_seconds / 2)
                d["acked_during"] = _acked(pairs) - acked_before
    finally:
        stop_senders(pairs)
    with report.step("settle", "senders stopped; every acknowledged message counted on the other side") as d:
        tally = settle(pairs, timeout=30)
        stop_receivers(pairs)
        d |= {"lost": tally.lost, "duplicated": tally.duplicated}
        check(tally.lost == 0 and tally.duplicated == 0, tally.line("scale-demo"))
    report.figure("reconnect_after_kill_ms_p50", _ms(reconnects, statistics.median))
    report.figure("reconnect_after_kill_ms_max", _ms(reconnects, max))
    report.figure("reconnect_after_sigterm_ms_p50", _ms(graceful, statistics.median))
    report.figure("reconnect_after_sigterm_ms_max", _ms(graceful, max))
    report.figure("send_retries", tally.retries)
    report.figure("socket_resumes", tally.resumes)
    by_socket = [s for s, _ in pairs if isinstance(s, SocketSender)]
    report.figure("acked_over_rest", sum(len(s.acked) for s, _ in pairs if not isinstance(s, SocketSender)))
    report.figure("acked_over_websocket", sum(len(s.acked) for s in by_socket))
    report.figure("acks_per_node", dict(sorted(sum((s.nodes for s, _ in pairs), Counter()).items())))
    return tally


def node_errors(c: Cluster) -> list[str]:
    from tests.helpers.logfail import product_errors_in

    found = []
    for log in sorted(c.nodes[0].data_dir.glob("server-*.log")):
        found += [
            f"{log.name}: {line}" for line in product_errors_in(log.read_text(errors="replace").splitlines())
        ]
    return found


def run(
    length: Length,
    *,
    admin_url: str | None = None,
    out: Callable[[str], None] = print,
    install: bool = True,
) -> bool:
    """The whole demo; False when a step failed or a message was lost or duplicated."""
    report = Report(out)
    admin = admin_url or os.environ.get("TELECONSULT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    started = time.monotonic()
    ok = True
    tally: Tally | None = None
    if not postgres_reachable(admin):
        host = admin.split("@")[-1].split("/")[0]
        out(f"ÉCHEC : PostgreSQL ne répond pas sur {host} (TELECONSULT_TEST_POSTGRES_URL ou --postgres-url)")
        return False
    if shutil.which("redis-server") is None:
        out("ÉCHEC : redis-server introuvable (paquet Debian « redis-server »)")
        return False
    binary = haproxy_binary(install)
    if binary is None:
        out("ÉCHEC : haproxy introuvable (paquet Debian « haproxy »)")
        return False
    try:
        with cluster(report, admin, binary) as c:
            consultation(c, report)
            tally = chaos(c, report, length)
            report.figure("requests_per_node", c.proxy.requests_per_node())
            report.figure("proxy_retries_per_node", c.proxy.retries_per_node())
            errors = node_errors(c)
            with report.step("logs", "no ERROR in the server processes' logs") as d:
                d["errors"] = len(errors)
                check(not errors, "; ".join(errors[:5]))
    except Exception as exc:  # any failure is reported as one, and the cluster is torn down
        ok = False
        out(f"ÉCHEC : {type(exc).__name__}: {exc}")
    report.figure("scenario_seconds", round(time.monotonic() - started, 1))
    if tally is not None:
        report.figure("messages_sent", tally.sent)
        report.figure("messages_acked", tally.acknowledged)
        report.figure("messages_delivered", tally.delivered)
        report.figure("messages_lost", tally.lost)
        report.figure("messages_duplicated", tally.duplicated)
        report.figure("delivered_late_by_resume", tally.late)
        ok = ok and tally.lost == 0 and tally.duplicated == 0
    ok = ok and all(s["ok"] for s in report.steps)
    out("")
    out("Chiffres :")
    for name, value in report.figures.items():
        out(f"  {name} = {value}")
    for name, value in report.figures.items():
        out(json.dumps({"figure": name, "value": value}, ensure_ascii=False))
    out(json.dumps({"result": "ok" if ok else "failed", "steps": len(report.steps)}))
    return ok


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--short", action="store_true", help="the test's short length")
    parser.add_argument("--postgres-url", help="PostgreSQL server (a database is created and dropped)")
    args = parser.parse_args(argv)
    length = Length.short() if args.short else Length.full()
    return 0 if run(length, admin_url=args.postgres_url, out=lambda s: print(s, flush=True)) else 1


if __name__ == "__main__":
    sys.exit(main())
