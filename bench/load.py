"""Bounded load test on loopback: N concurrent clients mixing /search and /sparql for D seconds.

Traffic goes to 127.0.0.1 only; the loop stops by itself after ``--seconds`` (and at most
``--max-requests``). Prints and writes JSON with requests, errors (5xx, refused, timeouts),
requests/s, latency percentiles and the server's peak memory (PSS of its process tree) when its PID is given.

    python bench/load.py --url http://127.0.0.1:8000 --seconds 60 --clients 32 --out bench/results/load.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

QUESTIONS = [
    ("which DCMM rewards apply to a Xiamen firm", None),
    ("厦门企业通过DCMM四级评估能获得多少奖励", "厦门市"),
    ("数据资产质押融资贴息", None),
    ("算力资源租用 补助", "泉州市"),
    ("subsidy for integrated circuit tape-out", "Quanzhou"),
    ("高质量数据集建设补助", None),
    ("数据出境安全评估通过后有什么奖励", "深圳市"),
]
QUERIES = sorted((Path(__file__).resolve().parents[1] / "api" / "queries").glob("*.rq"))


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (service workers, SPARQL worker processes)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in task.read_text().split())
    return out


def _memory_mb(pid: int) -> float:
    """Memory of the server's process tree: the sum of proportional set sizes (PSS), so pages
    that forked workers share are counted once; RSS where PSS is not readable."""
    total = 0.0
    for p in _tree(pid):
        try:
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
            key = "Pss:"
        except OSError:
            try:
                text = Path(f"/proc/{p}/status").read_text()
                key = "VmRSS:"
            except OSError:
                continue
        for line in text.splitlines():
            if line.startswith(key):
                total += int(line.split()[1]) / 1024
                break
    return total


class Connection:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams: the generator spends tens of
    microseconds a request, so on a shared 2-core machine the server gets the CPU."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str, accept: str = "application/json") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Accept: {accept}\r\n\r\n".encode("ascii")
        )
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            headers = head.lower()
            if b"transfer-encoding: chunked" in headers:
                body = b""
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                    chunk = await self.reader.readexactly(size + 2)
                    if size == 0:
                        break
                    body += chunk[:-2]
            else:
                i = headers.index(b"content-length:")
                length = int(headers[i + 15 : headers.index(b"\r\n", i)])
                body = await self.reader.readexactly(length)
            if b"connection: close" in headers:
                self.close()
            return status, body
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run(
    url: str,
    seconds: float,
    clients: int,
    sparql_share: float = 0.3,
    max_requests: int = 1_000_000,
    pid: int | None = None,
    seed: int = 0,
) -> dict:
    parsed = urlparse(url)
    host, port = parsed.hostname, parsed.port or 80
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"refusing to load a non-loopback address: {host}")
    rng = random.Random(seed)
    queries = [q.read_text("utf-8") for q in QUERIES]
    latencies: dict[str, list[float]] = {"search": [], "sparql": []}
    errors: dict[str, int] = {}
    sent = 0
    peak = _memory_mb(pid) if pid else 0.0
    deadline = time.monotonic() + seconds

    async def client(i: int) -> None:
        nonlocal sent
        local = random.Random(rng.random() + i)
        conn = Connection(host, port)
        while time.monotonic() < deadline and sent < max_requests:
            sent += 1
            if local.random() < sparql_share:
                kind = "sparql"
                target = "/sparql?" + urlencode({"query": local.choice(queries)})
                accept = "application/sparql-results+json"
            else:
                q, firm = local.choice(QUESTIONS)
                params = {"q": q, "k": 10, **({"firm_in": firm} if firm else {})}
                kind, target, accept = "search", "/search?" + urlencode(params), "application/json"
            t0 = time.perf_counter()
            try:
                status, _ = await asyncio.wait_for(conn.get(target, accept), timeout=30)
                if status >= 400:
                    errors[f"{kind} {status}"] = errors.get(f"{kind} {status}", 0) + 1
                else:
                    latencies[kind].append((time.perf_counter() - t0) * 1000)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                name = type(exc).__name__
                errors[f"{kind} {name}"] = errors.get(f"{kind} {name}", 0) + 1
        conn.close()

    async def sample_memory() -> None:
        nonlocal peak
        while time.monotonic() < deadline and pid:
            peak = max(peak, await asyncio.to_thread(_memory_mb, pid))
            await asyncio.sleep(1.0)

    started = time.monotonic()
    await asyncio.gather(sample_memory(), *(client(i) for i in range(clients)))
    elapsed = time.monotonic() - started
    ok = sum(len(v) for v in latencies.values())
    result = {
        "url": url,
        "seconds": round(elapsed, 2),
        "clients": clients,
        "requests": sent,
        "ok": ok,
        "errors": errors,
        "n_errors": sum(errors.values()),
        "requests_per_s": round(ok / elapsed, 1) if elapsed else 0.0,
        "server_peak_memory_mb": round(peak, 1),
    }
    for kind, values in latencies.items():
        result[kind] = {
            "n": len(values),
            "p50_ms": round(_percentile(values, 50), 2),
            "p95_ms": round(_percentile(values, 95), 2),
            "p99_ms": round(_percentile(values, 99), 2),
            "mean_ms": round(statistics.fmean(values), 2) if values else 0.0,
        }
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--sparql-share", type=float, default=0.3)
    ap.add_argument("--pid", type=int, default=None, help="server PID, to report its peak memory")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    result = asyncio.run(run(args.url, args.seconds, args.clients, args.sparql_share, pid=args.pid))
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", "utf-8")


if __name__ == "__main__":
    main()
