"""A small HTTP/1.1 load client on asyncio: N keep-alive connections, a fixed number of requests.

No dependency beyond the standard library. One event loop in one thread drives every connection,
which costs the (shared, 2-core) machine far less CPU than 50 Python threads would, so the server
gets most of the CPU. Only 127.0.0.1 is ever contacted: ``run_phase`` refuses any other host.

Latency of a request = from writing the request to reading the last byte of its body.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field

LOCAL_HOSTS = ("127.0.0.1",)


@dataclass
class PhaseResult:
    name: str
    latencies: list[float] = field(default_factory=list)   # seconds, completed 2xx requests
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0            # transport errors (reset, timeout, bad response)
    wall: float = 0.0          # seconds from first request sent to last response read
    truncated: bool = False    # stopped by the time limit before the request count was reached
    body_bytes: int = 0

    @property
    def completed(self) -> int:
        return sum(self.statuses.values())

    def merge(self, other: "PhaseResult") -> None:
        self.latencies += other.latencies
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n
        self.errors += other.errors
        self.wall += other.wall
        self.truncated = self.truncated or other.truncated
        self.body_bytes += other.body_bytes


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


class Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def ensure(self) -> None:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, int]:
        """Send one request; return (status, body length). Reconnects once if the server closed an idle
        keep-alive connection before we wrote."""
        for attempt in (1, 2):
            await self.ensure()
            try:
                self.writer.write(raw)
                await self.writer.drain()
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed before the status line")
                break
            except (ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            value = value.strip()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and value.lower() == b"close":
                close = True
        size = 0
        if chunked:
            while True:
                chunk = int((await self.reader.readline()).split(b";")[0], 16)
                if chunk == 0:
                    while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                size += len(await self.reader.readexactly(chunk))
                await self.reader.readexactly(2)
        elif length is not None:
            size = len(await self.reader.readexactly(length)) if length else 0
        elif status not in (204, 304):  # body until close
            size = len(await self.reader.read())
            close = True
        if close:
            self.close()
        return status, size


def build_request(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive",
             "Accept-Encoding: identity"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _run(host, port, name, paths, headers, count, concurrency, time_limit, request_timeout,
               connections) -> PhaseResult:
    result = PhaseResult(name)
    issued = 0
    deadline = time.perf_counter() + time_limit
    requests = [build_request(host, port, p, headers) for p in paths]

    async def client(conn: Connection):
        nonlocal issued
        while issued < count:
            if time.perf_counter() > deadline:
                result.truncated = True
                return
            raw = requests[issued % len(requests)]
            issued += 1
            started = time.perf_counter()
            try:
                status, size = await asyncio.wait_for(conn.request(raw), timeout=request_timeout)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, IndexError):
                result.errors += 1
                conn.close()
                continue
            elapsed = time.perf_counter() - started
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.body_bytes += size
            if 200 <= status < 300 or status == 304:  # a 304 is the answer a poll wants
                result.latencies.append(elapsed)

    began = time.perf_counter()
    await asyncio.gather(*(client(connections[i]) for i in range(concurrency)))
    result.wall = time.perf_counter() - began
    return result


class LoadClient:
    """Keeps ``concurrency`` keep-alive connections open across phases (like 50 users' browsers)."""

    def __init__(self, host: str, port: int, concurrency: int):
        if host not in LOCAL_HOSTS:
            raise ValueError(f"load is only ever sent to {LOCAL_HOSTS}, not {host!r}")
        self.host, self.port, self.concurrency = host, port, concurrency
        self.loop = asyncio.new_event_loop()
        self.connections = [Connection(host, port) for _ in range(concurrency)]

    def run_phase(self, name: str, paths: list[str], headers: dict[str, str], *, count: int,
                  time_limit: float, request_timeout: float = 180.0, concurrency: int | None = None) -> PhaseResult:
        """Send ``count`` requests (fewer if ``time_limit`` passes first: no new request is sent after
        it, requests in flight are awaited, each for at most ``request_timeout``)."""
        concurrency = min(concurrency or self.concurrency, self.concurrency)
        return self.loop.run_until_complete(_run(self.host, self.port, name, paths, headers, count,
                                                 concurrency, time_limit, request_timeout, self.connections))

    def close(self) -> None:
        for conn in self.connections:
            conn.close()
        self.loop.run_until_complete(asyncio.sleep(0))
        self.loop.close()
