"""Reliability: a hostile corpus, a rebuild under load (atomic swap), corrupted indexes, a build
killed mid-way, and a bounded load test. Every request goes to 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from conftest import CORPUS, Server
from fixtures import SAMPLE, make_pdf
from policygraph.pipeline import build

SCRIPT_MARK = "SCRIPT_PAYLOAD_7f3a"


def _hostile_corpus(root: Path) -> Path:
    corpus = root / "hostile"
    corpus.mkdir()
    for p in CORPUS.glob("*.txt"):
        shutil.copy(p, corpus / p.name)
    lines = SAMPLE.strip().split("\n")
    other = SAMPLE.replace("厦府办规〔2025〕10号", "厦府办规〔2025〕99号")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(os.urandom(4096) + b"\x00" * 100)
    (corpus / "truncated.pdf").write_bytes(make_pdf(root / "full.pdf", lines).read_bytes()[:900])
    (corpus / "gbk.txt").write_bytes(other.replace("99号", "98号").encode("gbk"))
    (corpus / "gb18030.txt").write_bytes(other.replace("99号", "97号").encode("gb18030"))
    (corpus / "utf16.txt").write_bytes(
        b"\xff\xfe" + other.replace("99号", "96号").encode("utf-16-le")
    )
    (corpus / "utf8bom.txt").write_bytes(
        b"\xef\xbb\xbf" + other.replace("99号", "95号").encode("utf-8")
    )
    with (corpus / "huge.txt").open("w", encoding="utf-8") as fh:
        chunk = "为贯彻落实数据产业发展要求，支持企业开展数据管理能力成熟度评估认证。\n" * 1000
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    (corpus / "no-numbering.txt").write_text(
        "关于做好数据工作的通知\n各单位要高度重视数据要素市场化配置改革工作。\n请认真贯彻执行，支持企业开展数据资产登记。\n",
        "utf-8",
    )
    (corpus / "traditional.txt").write_text(
        "廈府辦規〔2025〕94號\n廈門市人民政府辦公廳\n2025年8月4日\n一、總則\n（一）對首次通過DCMM三級評估認證的企業，給予一次性最高不超過30萬元獎勵。\n",
        "utf-8",
    )
    (corpus / "fullwidth.txt").write_text(
        other.replace("99号", "９３号").replace("2027年12月31日", "２０２７年１２月３１日"), "utf-8"
    )
    (corpus / "portal.html").write_text(
        "<html><head><script>var x='" + SCRIPT_MARK + "';</script></head><body>"
        "<nav>首页</nav><div id='zoom'>"
        + "".join(f"<p>{line.replace('99号', '92号')}</p>" for line in other.split("\n"))
        + "</div>"
        "<iframe src='https://example.org/'>" + SCRIPT_MARK + "</iframe>"
        "<p onclick=\"alert('"
        + SCRIPT_MARK
        + "')\">正文</p><script>document.write('"
        + SCRIPT_MARK
        + "')</script></body></html>",
        "utf-8",
    )
    (corpus / "zz-duplicate.txt").write_text(
        (CORPUS / "xiamen-2025-data-industry-measures.txt").read_text("utf-8"), "utf-8"
    )
    return corpus


def test_hostile_corpus_builds_or_skips_with_reasons(tmp_path: Path) -> None:
    corpus = _hostile_corpus(tmp_path)
    out = tmp_path / "index"
    report = build(corpus, out)
    skipped = {s.file: s.reason for s in report.skipped}
    assert set(skipped) == {
        "empty.txt",
        "binary.txt",
        "truncated.pdf",
        "huge.txt",
        "zz-duplicate.txt",
    }, skipped
    assert "empty" in skipped["empty.txt"] and "binary" in skipped["binary.txt"]
    assert "PDF" in skipped["truncated.pdf"] and "too large" in skipped["huge.txt"]
    assert (
        "duplicate" in skipped["zz-duplicate.txt"] and "xiamen-2025" in skipped["zz-duplicate.txt"]
    )
    from policygraph.workspace import Workspace

    ws = Workspace.load(out)
    numbers = {d.meta.doc_number for d in ws.documents}
    # nothing lost: every real document and every readable hostile one is built
    assert {
        "厦府办规〔2025〕10号",
        "闽发改规〔2025〕7号",
        "厦数字办〔2024〕3号",
        "泉政办规〔2025〕18号",
        None,
    } <= numbers
    assert {
        "厦府办规〔2025〕98号",
        "厦府办规〔2025〕97号",
        "厦府办规〔2025〕96号",
        "厦府办规〔2025〕95号",
        "厦府办规〔2025〕93号",
        "厦府办规〔2025〕92号",
        "廈府辦規〔2025〕94號",
    } <= numbers
    trad = next(d for d in ws.documents if d.meta.doc_number == "廈府辦規〔2025〕94號")
    assert trad.meta.issued is not None and any(
        a.value == 300_000 for c in trad.clauses for a in c.amounts
    )
    full = next(d for d in ws.documents if d.meta.doc_number == "厦府办规〔2025〕93号")
    assert str(full.meta.expires) == "2027-12-31"
    # nothing from a script tag, an iframe or an attribute reaches the index
    for f in out.rglob("*"):
        if f.is_file():
            assert SCRIPT_MARK.encode() not in f.read_bytes(), f


def _build_copy(tmp_path: Path, name: str = "index") -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    for p in CORPUS.glob("*.txt"):
        shutil.copy(p, corpus / p.name)
    out = tmp_path / name
    build(corpus, out)
    return corpus, out


def test_rebuild_while_serving_swaps_atomically(tmp_path: Path) -> None:
    corpus, index = _build_copy(tmp_path)
    srv = Server(index, env={"POLICYGRAPH_RELOAD_INTERVAL_S": "0.3"})
    failures: list[str] = []
    done = threading.Event()
    count = [0]

    def hammer() -> None:
        with httpx.Client(base_url=srv.url, timeout=30) as http:
            while not done.is_set():
                for path, params in (
                    ("/search", {"q": "数据资产登记"}),
                    ("/sparql", {"query": "ASK { ?s ?p ?o }"}),
                    ("/documents", {}),
                ):
                    try:
                        r = http.get(path, params=params)
                        if r.status_code != 200:
                            failures.append(f"{path} {r.status_code} {r.text[:200]}")
                    except httpx.HTTPError as exc:
                        failures.append(f"{path} {exc!r}")
                    count[0] += 1

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.0)
        (corpus / "new.txt").write_text(SAMPLE.replace("10号", "77号"), "utf-8")
        build(corpus, index)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            health = httpx.get(f"{srv.url}/health", timeout=10).json()
            if health["index_swaps"] >= 1:
                break
            time.sleep(0.2)
        assert health["documents"] == 6 and health["index_swaps"] == 1
        time.sleep(1.0)
    finally:
        done.set()
        for t in threads:
            t.join()
        srv.stop()
    assert count[0] > 30
    assert failures == [], failures[:5]


def _serve_get_health(
    index: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``policygraph serve --index INDEX --get /health`` in a fresh process."""
    cmd = [
        sys.executable,
        "-m",
        "policygraph.cli",
        "serve",
        "--index",
        str(index),
        "--get",
        "/health",
    ]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "manifest.json").write_text("{not json", "utf-8"), "corrupt manifest"),
        (lambda d: (d / "manifest.json").unlink(), "no manifest.json"),
        (lambda d: (d / "vectors.faiss").unlink(), "index file missing"),
        (
            lambda d: (d / "clauses.jsonl").open("a", encoding="utf-8").write('{"id": "forged"}\n'),
            "checksum mismatch",
        ),
        (
            lambda d: (d / "manifest.json").write_text(
                json.dumps(
                    {**json.loads((d / "manifest.json").read_text("utf-8")), "format_version": 99}
                ),
                "utf-8",
            ),
            "format 99",
        ),
        (
            lambda d: (d / "model" / "model.safetensors").write_bytes(b"garbage"),
            "checksum mismatch",
        ),
    ],
)
def test_damaged_index_is_refused_at_start(tmp_path: Path, damage, message: str) -> None:
    _, index = _build_copy(tmp_path)
    damage(index)
    r = _serve_get_health(index)
    assert r.returncode == 1
    assert message in r.stderr.replace("\n", " "), r.stderr
    assert '"status":"ok"' not in r.stdout


def test_other_model_configured_is_refused(tmp_path: Path) -> None:
    _, index = _build_copy(tmp_path)
    r = _serve_get_health(index, {"POLICYGRAPH_MODEL": str(tmp_path / "some-other-model")})
    assert r.returncode == 1 and "built with embedding model" in r.stderr.replace("\n", " ")


def test_build_killed_midway_keeps_previous_index(tmp_path: Path) -> None:
    corpus, index = _build_copy(tmp_path)
    before = (index / "manifest.json").read_bytes()
    proc = subprocess.Popen(
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_path.glob(".index.building-*/facts.jsonl")):
        time.sleep(0.05)
    assert list(tmp_path.glob(".index.building-*")), "the build never started writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (index / "manifest.json").read_bytes() == before
    from policygraph.workspace import Workspace

    assert len(Workspace.load(index).documents) == 5  # intact and checksums still match
    build(corpus, index)  # the next build clears what the killed one left
    assert not list(tmp_path.glob(".index.building-*"))


def test_bounded_load_has_no_errors(server) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from load import run

    result = asyncio.run(run(server.url, seconds=5, clients=8, sparql_share=0.3))
    assert result["n_errors"] == 0, result["errors"]
    assert result["ok"] > 20 and result["search"]["n"] > 0 and result["sparql"]["n"] > 0, result


def _children(pid: int) -> list[int]:
    return [
        int(c)
        for task in Path(f"/proc/{pid}/task").glob("*/children")
        for c in task.read_text().split()
    ]


def _is_service_worker(pid: int) -> bool:
    # SPARQL workers are started by multiprocessing's spawn (their command line says so)
    return b"multiprocessing" not in Path(f"/proc/{pid}/cmdline").read_bytes()


def test_worker_processes_share_the_port_and_a_dead_one_is_replaced(index_dir) -> None:
    srv = Server(index_dir, env={"POLICYGRAPH_WORKERS": "2"}, timeout_s=90)
    try:
        workers = [p for p in _children(srv.pid) if _is_service_worker(p)]
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = [p for p in _children(srv.pid) if _is_service_worker(p)]
            if len(now) == 2 and workers[0] not in now:
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"worker not replaced: {now}")
        for _ in range(20):  # every request is answered, whichever worker takes it
            with httpx.Client(base_url=srv.url, timeout=30) as client:
                r = client.get("/search", params={"q": "DCMM 奖励", "firm_in": "厦门市"})
                assert r.status_code == 200 and r.json()["results"]
    finally:
        srv.stop()
    assert srv.proc.returncode == 0  # SIGTERM: the parent stops its workers and exits cleanly
    assert not any(Path(f"/proc/{p}").exists() for p in workers[1:])
