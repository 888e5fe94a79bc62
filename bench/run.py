"""Benchmarks, measured side by side in one run on this machine.

    python bench/run.py --docs 10000 --out bench/results/bench-10k.json
    python bench/run.py --docs 57000 --out bench/results/bench-1m.json     # about 1M clauses

Measures: build throughput per stage (clauses/s) and the build's peak memory; index size on disk
and serving memory per clause; cold start (process start to a ready /health); /search latency
p50/p95/p99 in-process and over HTTP (bounded loopback load at 16 clients); SPARQL latency of
the example queries on Oxigraph and, on the same graph and queries, on rdflib's memory store (up
to ``--rdflib-max-quads``). Figures are medians of several runs; each result records the machine.
Writes JSON and a markdown table next to it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

QUESTIONS = [
    ("which DCMM rewards apply to a Xiamen firm", "厦门市"),
    ("厦门企业通过DCMM四级评估能获得多少奖励", None),
    ("数据资产质押融资贴息", None),
    ("算力资源租用 补助", "泉州市"),
    ("subsidy for integrated circuit tape-out", None),
    ("高质量数据集建设补助", "杭州市"),
    ("数据出境安全评估通过后有什么奖励", None),
    ("可信数据空间 资金支持", "深圳市"),
]


def machine() -> dict[str, object]:
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    cpu = platform.processor()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return (
        round(values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))], 3)
        if values
        else 0.0
    )


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def build_corpus(docs: int, seed: int, work: Path) -> Path:
    from generate import generate

    corpus = work / f"corpus-{docs}-{seed}"
    if not corpus.exists() or len(list(corpus.glob("*.txt"))) != docs:
        shutil.rmtree(corpus, ignore_errors=True)
        generate(docs, corpus, seed)
    return corpus


def bench_build(corpus: Path, index: Path) -> dict[str, object]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "policygraph.cli",
            "build",
            "--corpus",
            str(corpus),
            "--out",
            str(index),
        ],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"build failed: {proc.stderr[-2000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads((index / "report.json").read_text("utf-8"))
    n = report["n_clauses"]
    stages = {
        k: {"seconds": v, "clauses_per_s": round(n / v) if v else None}
        for k, v in report["stages"].items()
    }
    manifest = json.loads((index / "manifest.json").read_text("utf-8"))
    return {
        "documents": report["n_documents"],
        "clauses": n,
        "searchable": manifest["search"]["n_searchable"],
        "faiss": manifest["search"]["faiss"],
        "wall_s": round(wall, 2),
        "clauses_per_s": round(n / wall),
        "stages": stages,
        "peak_rss_mb": round(peak_kb / 1024),
        "index_mb": round(du(index) / 2**20, 1),
        "index_bytes_per_clause": round(du(index) / n),
        "graph_quads": sum(1 for _ in (index / "graph.nq").open("rb")),
    }


def bench_inprocess(index: Path, runs: int) -> dict[str, object]:
    from policygraph.api.app import warm
    from policygraph.workspace import Workspace

    before = rss_mb(os.getpid())
    t0 = time.perf_counter()
    ws = Workspace.load(index)
    warm(ws)  # what the service loads before its first request (clauses, facts, index, tables)
    load_s = time.perf_counter() - t0
    after = rss_mb(os.getpid())
    for q, firm in QUESTIONS:
        ws.search(q, k=10, firm_in=firm)
    lat = []
    for _ in range(runs):
        for q, firm in QUESTIONS:
            t = time.perf_counter()
            ws.search(q, k=10, firm_in=firm)
            lat.append((time.perf_counter() - t) * 1000)
    return {
        "load_s": round(load_s, 2),
        "serving_rss_mb": round(after - before),
        "bytes_per_clause": round((after - before) * 2**20 / len(ws.clauses)),
        "search_ms": {"p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99), "n": len(lat)},
    }


def bench_sparql(
    index: Path, runs: int, rdflib_max_quads: int, rdflib_timeout_s: float = 60.0
) -> dict[str, object]:
    """Oxigraph first, then rdflib on the same file and queries (each rdflib query bounded)."""
    from policygraph.errors import SparqlTimeout
    from policygraph.sparql import OxigraphStore, RdflibStore

    queries = {
        q.name: q.read_text("utf-8") for q in sorted((ROOT / "api" / "queries").glob("*.rq"))
    }
    out: dict[str, object] = {}
    backends = [("oxigraph", OxigraphStore)]
    n_quads = sum(1 for _ in (index / "graph.nq").open("rb"))
    if n_quads <= rdflib_max_quads:
        backends.append(("rdflib", RdflibStore))
    for name, cls in backends:
        t0 = time.perf_counter()
        if name == "oxigraph":
            from policygraph.sparql import open_store

            store = open_store(index, "oxigraph")  # what the service uses: on disk for large graphs
        else:
            store = cls(index / "graph.nq")
        load = time.perf_counter() - t0
        per_query: dict[str, object] = {}
        for qname, text in queries.items():
            lat = []
            limit_ms = int(rdflib_timeout_s * 1000) if name == "rdflib" else 300_000
            for _ in range(runs if name == "oxigraph" else 1):
                t = time.perf_counter()
                try:
                    store.query(text, timeout_ms=limit_ms, max_rows=10**7)
                except SparqlTimeout:
                    lat.append(float("inf"))
                    break
                lat.append((time.perf_counter() - t) * 1000)
            p50 = pct(lat, 50)
            per_query[qname] = {
                "p50_ms": p50 if p50 != float("inf") else f"> {limit_ms}",
                "max_ms": round(max(lat), 2) if max(lat) != float("inf") else None,
            }
        out[name] = {
            "load_s": round(load, 2),
            "quads_per_s": round(n_quads / load),
            "queries": per_query,
        }
        del store
    if "rdflib" in out:
        ratios = {}
        for q in queries:
            rd, ox = out["rdflib"]["queries"][q]["p50_ms"], out["oxigraph"]["queries"][q]["p50_ms"]  # type: ignore[index]
            ratios[q] = (
                round(rd / max(ox, 1e-3), 1)
                if isinstance(rd, float)
                else f"> {round(rdflib_timeout_s * 1000 / max(ox, 1e-3))}"
            )
        out["ratio_rdflib_over_oxigraph"] = ratios
    else:
        out["rdflib"] = f"skipped: {n_quads} quads > --rdflib-max-quads {rdflib_max_quads}"
    return out


def bench_http(index: Path, seconds: float, clients: int) -> dict[str, object]:
    from load import run
    from server import LocalServer

    # one worker process first, then the default (one per core): the ratio is measured in one run
    single = LocalServer(index, env={"POLICYGRAPH_WORKERS": "1"}, timeout_s=1800)
    try:
        search_one_worker = asyncio.run(
            run(single.url, seconds, clients, sparql_share=0.0, pid=single.pid)
        )
    finally:
        single.stop()
    server = LocalServer(index, timeout_s=1800)
    try:
        search_only = asyncio.run(
            run(server.url, seconds, clients, sparql_share=0.0, pid=server.pid)
        )
        mixed = asyncio.run(
            run(server.url, seconds, clients, sparql_share=0.3, pid=server.pid, seed=1)
        )
    finally:
        server.stop()
    return {
        "cold_start_s": round(server.cold_start_s, 2),
        "cold_start_one_worker_s": round(single.cold_start_s, 2),
        "workers": prefork_workers(),
        "search_only": search_only,
        "search_one_worker": search_one_worker,
        "mixed": mixed,
    }


def prefork_workers() -> int:
    from policygraph.api.prefork import default_workers
    from policygraph.settings import Settings

    return int(Settings().workers or default_workers())


def bench_add(index: Path, work: Path, seed: int) -> dict[str, object]:
    """Cost of adding one new document to the built index (``policygraph add``), in-process."""
    from generate import generate

    from policygraph.pipeline import add_documents

    extra = work / f"extra-{seed}"
    shutil.rmtree(extra, ignore_errors=True)
    generate(1, extra, seed=seed + 1000)
    path = extra / "doc-000001.txt"
    renamed = extra / "added-document.txt"
    path.rename(renamed)
    t0 = time.perf_counter()
    report = add_documents(index, [renamed])
    total = time.perf_counter() - t0
    return {
        "seconds": round(total, 2),
        "documents_after": report.n_documents,
        "skipped": [s.reason for s in report.skipped],
    }


def markdown(result: dict) -> str:
    b, s, h = result["build"], result["inprocess"], result["http"]
    m = result["machine"]
    lines = [
        f"### {b['documents']} documents, {b['clauses']} clauses ({b['searchable']} searchable, FAISS {b['faiss']})",
        f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_mb']} MB, Python {m['python']}. Seed {result['seed']}.",
        "",
        "| what | measured |",
        "|---|---|",
        f"| build end to end | {b['wall_s']} s, **{b['clauses_per_s']} clauses/s**, peak RSS {b['peak_rss_mb']} MB |",
    ]
    for stage, v in b["stages"].items():
        lines.append(
            f"| build stage: {stage} | {v['seconds']} s ({v['clauses_per_s']} clauses/s) |"
        )
    lines += [
        f"| index on disk | {b['index_mb']} MB ({b['index_bytes_per_clause']} bytes/clause), {b['graph_quads']} quads |",
        f"| serving memory | {s['serving_rss_mb']} MB ({s['bytes_per_clause']} bytes/clause); load {s['load_s']} s |",
        f"| cold start (process to ready /health) | {h['cold_start_s']} s |",
        f"| /search in-process | p50 {s['search_ms']['p50']} ms, p95 {s['search_ms']['p95']} ms, p99 {s['search_ms']['p99']} ms |",
        f"| /search over HTTP, {h['search_only']['clients']} clients, {h['workers']} worker processes | {h['search_only']['requests_per_s']} req/s, p50 {h['search_only']['search']['p50_ms']} ms, p99 {h['search_only']['search']['p99_ms']} ms, errors {h['search_only']['n_errors']}, server memory (PSS) {h['search_only']['server_peak_memory_mb']} MB |",
        f"| /search over HTTP, {h['search_one_worker']['clients']} clients, 1 worker process | {h['search_one_worker']['requests_per_s']} req/s, p50 {h['search_one_worker']['search']['p50_ms']} ms, p99 {h['search_one_worker']['search']['p99_ms']} ms; {h['workers']} workers / 1 = {round(h['search_only']['requests_per_s'] / max(h['search_one_worker']['requests_per_s'], 0.1), 2)}x |",
        f"| mixed /search + /sparql (30%) over HTTP | {h['mixed']['requests_per_s']} req/s, search p50 {h['mixed']['search']['p50_ms']} ms, SPARQL p50 {h['mixed']['sparql']['p50_ms']} ms, errors {h['mixed']['errors'] or 0} (504 = a query stopped at the time limit), server memory {h['mixed']['server_peak_memory_mb']} MB |",
    ]
    sp = result["sparql"]
    for q, v in sp["oxigraph"]["queries"].items():
        rd = sp["rdflib"]["queries"][q]["p50_ms"] if isinstance(sp["rdflib"], dict) else "—"
        lines.append(f"| SPARQL {q} | Oxigraph p50 {v['p50_ms']} ms · rdflib p50 {rd} ms |")
    lines.append(
        f"| SPARQL load | Oxigraph {sp['oxigraph']['load_s']} s ({sp['oxigraph']['quads_per_s']} quads/s)"
        + (
            f" · rdflib {sp['rdflib']['load_s']} s ({sp['rdflib']['quads_per_s']} quads/s) |"
            if isinstance(sp["rdflib"], dict)
            else f" · rdflib {sp['rdflib']} |"
        )
    )
    if "add" in result:
        lines.append(
            f"| add one document to the built index (`add_documents`, in-process) | {result['add']['seconds']} s |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "policygraph-bench")
    ap.add_argument("--runs", type=int, default=5, help="repetitions of each latency measurement")
    ap.add_argument("--http-seconds", type=float, default=15)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--rdflib-max-quads", type=int, default=2_000_000)
    ap.add_argument("--rdflib-timeout-s", type=float, default=60.0)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bench.json")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = build_corpus(args.docs, args.seed, args.work)
    index = args.work / f"index-{args.docs}-{args.seed}"
    result: dict[str, object] = {"machine": machine(), "docs": args.docs, "seed": args.seed}
    print(f"building {args.docs} documents ...", flush=True)
    result["build"] = bench_build(corpus, index)
    print(json.dumps(result["build"], indent=1), flush=True)
    result["inprocess"] = bench_inprocess(index, args.runs)
    result["http"] = bench_http(index, args.http_seconds, args.clients)
    # rdflib last: a query past its limit keeps running in a thread and would skew what follows
    result["sparql"] = bench_sparql(index, args.runs, args.rdflib_max_quads, args.rdflib_timeout_s)
    result["add"] = bench_add(index, args.work, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    table = markdown(result)
    args.out.with_suffix(".md").write_text(table, "utf-8")
    print(table, flush=True)
    os._exit(0)  # do not wait for an rdflib query that ran past its limit


if __name__ == "__main__":
    main()
