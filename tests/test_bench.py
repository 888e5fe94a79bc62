"""The benchmark harness in CI size: it completes and writes its results (figures are not
asserted: speed is measured by bench/, not by tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_generator_is_deterministic(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    generate(5, tmp_path / "a", seed=3)
    generate(5, tmp_path / "b", seed=3)
    a = sorted((p.name, p.read_bytes()) for p in (tmp_path / "a").iterdir())
    b = sorted((p.name, p.read_bytes()) for p in (tmp_path / "b").iterdir())
    assert a == b and len(a) == 5


def test_bench_runs_in_ci_size(tmp_path: Path) -> None:
    out = tmp_path / "results" / "bench.json"
    cmd = [
        sys.executable,
        str(ROOT / "bench" / "run.py"),
        "--docs",
        "20",
        "--runs",
        "1",
        "--http-seconds",
        "1",
        "--clients",
        "4",
        "--rdflib-timeout-s",
        "5",
        "--work",
        str(tmp_path / "work"),
        "--out",
        str(out),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(out.read_text("utf-8"))
    assert result["build"]["documents"] == 20 and result["build"]["clauses"] > 100
    assert result["http"]["search_only"]["n_errors"] == 0
    assert set(result["sparql"]["oxigraph"]["queries"]) == {
        p.name for p in (ROOT / "api" / "queries").glob("*.rq")
    }
    assert "clauses/s" in out.with_suffix(".md").read_text("utf-8")
