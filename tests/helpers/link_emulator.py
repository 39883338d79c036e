"""The patient's access link in userspace: rate, loss, delay and outages between two TUN devices.

The CI machine's kernel has no `sch_netem` (`tc qdisc ... netem`: « Specified qdisc kind is
unknown »; only tbf, htb and pfifo are built in), so the topology's patient link is two TUN
devices (one in the patient's namespace, one in the NAT's) joined by this process, which does
what netem would do, per direction:

- loss: each packet is dropped with probability `loss` (independently, as netem's `loss p%`);
- rate: packets leave one after the other at `rate_kbit` (serialisation time = size / rate), in
  a FIFO of at most `queue_ms` of data (tail drop beyond, as a bottleneck router's buffer);
- delay: each packet is delivered `delay_ms` after it left the queue (half the RTT per direction);
- down: everything is dropped (an outage).

Run as `python -m tests.helpers.link_emulator LEFT RIGHT CONTROL_SOCKET`: it creates both devices
in its own namespace (the caller moves them), then listens on a Unix socket (reachable from any
network namespace, it is a file) for one JSON line per change, answering ``ok``. Stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import random
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


@dataclass
class Conditions:
    rate_kbit: float = 0.0  # 0: unlimited
    loss: float = 0.0  # 0..1
    delay_ms: float = 0.0  # one way
    queue_ms: float = 500.0
    down: bool = False


class Direction:
    """Packets read from `source` written to `target`, through the current conditions."""

    def __init__(self, loop: asyncio.AbstractEventLoop, source: int, target: int, link: Link) -> None:
        self.loop, self.source, self.target, self.link = loop, source, target, link
        self.busy_until = 0.0  # when the queue's last packet finishes leaving
        self.forwarded = self.dropped = 0
        loop.add_reader(source, self.readable)

    def readable(self) -> None:
        while True:
            try:
                packet = os.read(self.source, 65_535)
            except BlockingIOError:
                return
            self.offer(packet)

    def offer(self, packet: bytes) -> None:
        now = time.monotonic()
        conditions = self.link.conditions
        if conditions.down or (conditions.loss and random.random() < conditions.loss):
            self.dropped += 1
            return
        leave = now
        if conditions.rate_kbit:
            start = max(now, self.busy_until)
            if start - now > conditions.queue_ms / 1000:
                self.dropped += 1  # the bottleneck's buffer is full
                return
            leave = start + len(packet) * 8 / (conditions.rate_kbit * 1000)
            self.busy_until = leave
        deliver = leave + conditions.delay_ms / 1000
        self.forwarded += 1
        if deliver <= now:
            self.write(packet)
        else:
            self.loop.call_at(self.loop.time() + (deliver - now), self.write, packet)

    def write(self, packet: bytes) -> None:
        try:
            os.write(self.target, packet)
        except OSError:
            self.dropped += 1  # the device is down (an address change in progress)


class Link:
    def __init__(self) -> None:
        self.conditions = Conditions()


def open_tun(name: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


async def serve(left: str, right: str, control: str) -> None:
    loop = asyncio.get_running_loop()
    link = Link()
    a, b = open_tun(left), open_tun(right)
    directions = (Direction(loop, a, b, link), Direction(loop, b, a, link))

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        change = json.loads(line or b"{}")
        if change.get("stats"):
            counts = [{"forwarded": d.forwarded, "dropped": d.dropped} for d in directions]
            writer.write(json.dumps(counts).encode() + b"\n")
        else:
            link.conditions = Conditions(**change)
            for direction in directions:
                direction.busy_until = 0.0
            writer.write(b"ok\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(on_client, path=control)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()


def send(control: str, change: dict[str, object]) -> str:
    """Apply `change` (Conditions' fields; {"stats": true} reads the counters); the answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(5)
        client.connect(control)
        client.sendall(json.dumps(change).encode() + b"\n")
        return client.makefile().readline().strip()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2], sys.argv[3]))
