"""Bounded load test on loopback: N concurrent clients mixing /search and /sparql for D seconds.

Traffic goes to 127.0.0.1 only; the loop stops by itself after ``--seconds`` (and at most
``--max-requests``). Prints and writes JSON with requests, errors (5xx, refused, timeouts),
requests/s, latency percentiles and the server's peak memory when its PID is given.

    python bench/load.py --url http://127.0.0.1:8000 --seconds 60 --clients 32 --out bench/results/load.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

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


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def run(
    url: str,
    seconds: float,
    clients: int,
    sparql_share: float = 0.3,
    max_requests: int = 1_000_000,
    pid: int | None = None,
    seed: int = 0,
) -> dict:
    host = urlparse(url).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"refusing to load a non-loopback address: {host}")
    rng = random.Random(seed)
    queries = [q.read_text("utf-8") for q in QUERIES]
    latencies: dict[str, list[float]] = {"search": [], "sparql": []}
    errors: dict[str, int] = {}
    sent = 0
    peak = _rss_mb(pid) if pid else 0.0
    deadline = time.monotonic() + seconds

    async def client(i: int, http: httpx.AsyncClient) -> None:
        nonlocal sent, peak
        local = random.Random(rng.random() + i)
        while time.monotonic() < deadline and sent < max_requests:
            sent += 1
            if local.random() < sparql_share:
                kind, req = (
                    "sparql",
                    http.get(
                        "/sparql",
                        params={"query": local.choice(queries)},
                        headers={"accept": "application/sparql-results+json"},
                    ),
                )
            else:
                q, firm = local.choice(QUESTIONS)
                params = {"q": q, "k": 10, **({"firm_in": firm} if firm else {})}
                kind, req = "search", http.get("/search", params=params)
            t0 = time.perf_counter()
            try:
                r = await req
                if r.status_code >= 500 or r.status_code >= 400:
                    errors[f"{kind} {r.status_code}"] = errors.get(f"{kind} {r.status_code}", 0) + 1
                else:
                    latencies[kind].append((time.perf_counter() - t0) * 1000)
            except httpx.HTTPError as exc:
                errors[f"{kind} {type(exc).__name__}"] = (
                    errors.get(f"{kind} {type(exc).__name__}", 0) + 1
                )

    async def sample_memory() -> None:
        nonlocal peak
        while time.monotonic() < deadline and pid:
            peak = max(peak, _rss_mb(pid))
            await asyncio.sleep(0.5)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        await asyncio.gather(sample_memory(), *(client(i, http) for i in range(clients)))
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
        "server_peak_rss_mb": round(peak, 1),
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
