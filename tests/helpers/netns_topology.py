"""A small Internet in network namespaces: the practitioner, a patient behind a NAT, and coturn.

```
  pro 198.51.100.2 ── 198.51.100.1 net 203.0.113.1 ── 203.0.113.2 nat 10.77.0.1 ── 10.77.0.2 pat
  (server, desktop engine)       (router + coturn)              (masquerade)         (chromium)
```

- `net` routes between the practitioner's network and the NAT's public side, and runs coturn on
  203.0.113.1:3478 with the REST-secret configuration of docs/deploy.md (read from that file).
- `nat` masquerades the patient's private network (10.77.0.0/24) behind 203.0.113.2, and its
  nftables forward chain drops the patient's packets to any address of the `blocked` set except
  the server's TCP port: with the practitioner's address in the set (the default), the patient can
  reach the server (signaling) and coturn, never the practitioner directly, so media can only go
  through the relay. Emptying the set (`allow_direct()`) gives the direct path of the same run.
- Addresses are documentation ranges (RFC 5737) and private ones, on veth pairs between namespaces
  that have no other interface: nothing leaves the machine. Names are unique per run
  (`tc<6 hex>-...`), and `close()` deletes the namespaces (and with them every veth) and stops
  coturn, whatever happened.

Impairments (`impair`, `outage`, `restore`) apply to the patient's access link (pat ↔ nat),
both directions: this machine's kernel has no `sch_netem`, so that link is two TUN devices joined
by tests/helpers/link_emulator.py, which applies netem's rate, loss and delay itself (a delay of
75 ms each way gives an RTT of 150 ms, the rate applies to each direction). `move_patient()`
changes the patient's address, as a phone that leaves Wi-Fi.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.processes import stop_process

ROOT = Path(__file__).resolve().parents[2]

PRO_IP = "198.51.100.2"
NET_PRO_IP = "198.51.100.1"
TURN_IP = "203.0.113.1"
NAT_WAN_IP = "203.0.113.2"
NAT_LAN_IP = "10.77.0.1"
PATIENT_IP = "10.77.0.2"
PATIENT_NEW_IP = "10.77.0.3"
TURN_PORT = 3478


def available() -> str | None:
    """None when this machine can build the topology, else the French reason why not."""
    missing = [tool for tool in ("ip", "nft", "tc", "turnserver") if shutil.which(tool) is None]
    if missing:
        return "outils absents : " + ", ".join(missing) + " (paquets Debian iproute2, nftables, coturn)"
    probe = f"tcprobe{secrets.token_hex(3)}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, check=False)
    if made.returncode != 0:
        return "impossible de créer un espace de noms réseau nommé (`ip netns add` : root requis)"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


def run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return result


def coturn_config(secret: str, folder: Path) -> str:
    """docs/deploy.md's turnserver.conf, adapted to the test network (no TLS certificate here)."""
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = text.split("## Serveur TURN (coturn)", 1)[1]
    match = re.search(r"```ini\n(.*?)```", section, re.S)
    assert match, "docs/deploy.md lost its turnserver.conf block"
    dropped = ("cert=", "pkey=", "tls-listening-port=", "external-ip=", "log-file=", "no-tlsv1")
    lines = []
    for raw in match.group(1).splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith(dropped):
            continue
        if line.startswith("static-auth-secret="):
            line = f"static-auth-secret={secret}"
        lines.append(line)
    lines += [
        f"listening-ip={TURN_IP}",
        f"relay-ip={TURN_IP}",
        "no-tls",
        "no-dtls",
        f"log-file={folder / 'turn.log'}",
        "simple-log",
        f"pidfile={folder / 'turn.pid'}",
        f"userdb={folder / 'turndb'}",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Topology:
    folder: Path
    server_port: int
    tag: str = field(default_factory=lambda: "tc" + secrets.token_hex(3))
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    coturn: subprocess.Popen[bytes] | None = None
    emulator: subprocess.Popen[str] | None = None
    patient_ip: str = PATIENT_IP

    def to_env(self) -> str:
        """What a process started in the `pro` namespace needs to drive this topology."""
        fields = {"folder": str(self.folder), "server_port": self.server_port, "tag": self.tag}
        return json.dumps({**fields, "secret": self.secret})

    @classmethod
    def from_env(cls, value: str) -> Topology:
        """The topology another process built (`to_env()`); that process tears it down."""
        data = json.loads(value)
        return cls(Path(data["folder"]), int(data["server_port"]), data["tag"], data["secret"])

    # ------------------------------------------------------------------ names
    def ns(self, role: str) -> str:
        return f"{self.tag}-{role}"

    def dev(self, name: str) -> str:
        return f"{self.tag}{name}"  # 8 + up to 4 characters: under IFNAMSIZ

    def exec(self, role: str, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run("ip", "netns", "exec", self.ns(role), *command, check=check)

    def prefix(self, role: str) -> list[str]:
        """The command prefix that runs a program in the namespace of `role`."""
        return ["ip", "netns", "exec", self.ns(role)]

    # ------------------------------------------------------------------ building
    def __enter__(self) -> Topology:
        try:
            self._build()
            self._start_coturn()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _link(self, left: str, left_dev: str, right: str, right_dev: str) -> None:
        run("ip", "link", "add", self.dev(left_dev), "type", "veth", "peer", "name", self.dev(right_dev))
        run("ip", "link", "set", self.dev(left_dev), "netns", self.ns(left))
        run("ip", "link", "set", self.dev(right_dev), "netns", self.ns(right))

    def _emulated_link(self) -> None:
        """nat:l0 ↔ pat:e0 through tests/helpers/link_emulator.py (this kernel has no netem)."""
        self.emulator = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.helpers.link_emulator",
                self.dev("l0"),
                self.dev("e0"),
                self.control,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.emulator.stdout is not None
        if self.emulator.stdout.readline().strip() != "ready":
            raise RuntimeError("the link emulator did not start")
        run("ip", "link", "set", self.dev("l0"), "netns", self.ns("nat"))
        run("ip", "link", "set", self.dev("e0"), "netns", self.ns("pat"))

    @property
    def control(self) -> str:
        return str(self.folder / "link.sock")

    def _addr(self, role: str, dev: str, cidr: str) -> None:
        self.exec(role, "ip", "addr", "add", cidr, "dev", self.dev(dev))
        self.exec(role, "ip", "link", "set", self.dev(dev), "up")

    def _build(self) -> None:
        for role in ("pro", "net", "nat", "pat"):
            run("ip", "netns", "add", self.ns(role))
            self.exec(role, "ip", "link", "set", "lo", "up")
        self._link("pro", "p0", "net", "n0")
        self._link("net", "n1", "nat", "w0")
        self._emulated_link()
        self._addr("pro", "p0", f"{PRO_IP}/24")
        self._addr("net", "n0", f"{NET_PRO_IP}/24")
        self._addr("net", "n1", f"{TURN_IP}/24")
        self._addr("nat", "w0", f"{NAT_WAN_IP}/24")
        self._addr("nat", "l0", f"{NAT_LAN_IP}/24")
        self._addr("pat", "e0", f"{PATIENT_IP}/24")
        self.exec("pro", "ip", "route", "add", "default", "via", NET_PRO_IP)
        self.exec("nat", "ip", "route", "add", "default", "via", TURN_IP)
        self.exec("pat", "ip", "route", "add", "default", "via", NAT_LAN_IP)
        for role in ("net", "nat"):
            self.exec(role, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        rules = f"""
table ip tc {{
  set blocked {{ type ipv4_addr; elements = {{ {PRO_IP} }} }}
  chain postrouting {{
    type nat hook postrouting priority srcnat; policy accept;
    oifname "{self.dev("w0")}" masquerade
  }}
  chain forward {{
    type filter hook forward priority filter; policy accept;
    iifname "{self.dev("l0")}" ip daddr @blocked tcp dport {self.server_port} accept
    iifname "{self.dev("l0")}" ip daddr @blocked counter drop
    iifname "{self.dev("w0")}" ip saddr @blocked ct state new counter drop
  }}
}}
"""
        path = self.folder / "nat.nft"
        path.write_text(rules, encoding="utf-8")
        self.exec("nat", "nft", "-f", str(path))

    def _start_coturn(self) -> None:
        conf = self.folder / "turnserver.conf"
        conf.write_text(coturn_config(self.secret, self.folder), encoding="utf-8")
        log = (self.folder / "turn.stdout").open("wb")
        self.coturn = subprocess.Popen(
            [*self.prefix("net"), "turnserver", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 15
        while f"{TURN_IP}:{TURN_PORT}" not in self.exec("net", "ss", "-lun").stdout:
            if self.coturn.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("coturn did not start: " + self.turn_log()[-2000:])
            time.sleep(0.05)
        # docs/deploy.md's configuration must be one coturn fully understands.
        assert "Bad configuration" not in self.turn_log(), self.turn_log()[-2000:]

    def turn_log(self) -> str:
        path = self.folder / "turn.log"
        texts = [p.read_text(errors="replace") for p in (path, self.folder / "turn.stdout") if p.exists()]
        return "\n".join(texts)

    def close(self) -> None:
        for process in (self.coturn, self.emulator):
            stop_process(process)
        for role in ("pat", "nat", "net", "pro"):
            run("ip", "netns", "del", self.ns(role), check=False)

    # ------------------------------------------------------------------ what tests do
    @property
    def turn_url(self) -> str:
        return f"turn:{TURN_IP}:{TURN_PORT}?transport=udp"

    @property
    def server_url(self) -> str:
        return f"http://{PRO_IP}:{self.server_port}"

    def allow_direct(self, allowed: bool = True) -> None:
        """Let the patient reach the practitioner directly (or block it again: relay only)."""
        verb = "delete" if allowed else "add"
        self.exec("nat", "nft", verb, "element", "ip", "tc", "blocked", f"{{ {PRO_IP} }}", check=False)

    def dropped_direct_packets(self) -> int:
        """Packets the NAT dropped on their way from the patient to the practitioner."""
        out = self.exec("nat", "nft", "list", "chain", "ip", "tc", "forward").stdout
        return sum(int(n) for n in re.findall(r"counter packets (\d+)", out))

    def _conditions(self, **change: object) -> None:
        from tests.helpers.link_emulator import send

        assert send(self.control, change) == "ok"

    def impair(self, rate_kbit: int = 500, loss_pct: float = 3, rtt_ms: int = 150) -> None:
        """The patient's access link: `rate_kbit` each way, `loss_pct` loss each way, `rtt_ms` RTT."""
        self._conditions(rate_kbit=rate_kbit, loss=loss_pct / 100, delay_ms=rtt_ms / 2)

    def outage(self) -> None:
        """Nothing gets through the patient's access link (both ways)."""
        self._conditions(down=True)

    def restore(self) -> None:
        self._conditions()

    def move_patient(self) -> None:
        """The patient's address changes (a phone leaving Wi-Fi): the old one disappears."""
        new = PATIENT_NEW_IP if self.patient_ip == PATIENT_IP else PATIENT_IP
        dev = self.dev("e0")
        self.exec("pat", "ip", "addr", "del", f"{self.patient_ip}/24", "dev", dev)  # and its routes
        self.exec("pat", "ip", "addr", "add", f"{new}/24", "dev", dev)
        self.exec("pat", "ip", "route", "add", "default", "via", NAT_LAN_IP)
        self.patient_ip = new

    def chromium_wrapper(self, chromium: str) -> Path:
        """An executable that starts `chromium` in the patient's namespace, for Playwright."""
        path = self.folder / "chromium-patient"
        path.write_text(f'#!/bin/sh\nexec ip netns exec {self.ns("pat")} {chromium} "$@"\n', encoding="utf-8")
        path.chmod(0o755)
        return path
