"""Shared fixtures: one workspace built from the project's corpus per test session (read-only)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
CORPUS = ROOT / "corpus"


def load_jsonl(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="session")
def gold_documents() -> list[dict]:
    return json.loads((DATA / "documents.dev.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def gold_amounts() -> list[dict]:
    return load_jsonl("amounts.dev.jsonl")


@pytest.fixture(scope="session")
def gold_queries() -> list[dict]:
    return load_jsonl("queries.dev.jsonl")


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the corpus (tests never write into the repository)."""
    target = tmp_path_factory.mktemp("corpus")
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    from policygraph.pipeline import build

    out = tmp_path_factory.mktemp("index") / "default"
    build(corpus_dir, out)
    return out


@pytest.fixture(scope="session")
def workspace(index_dir: Path):
    from policygraph.workspace import Workspace

    return Workspace.load(index_dir)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``policygraph serve`` in a subprocess on 127.0.0.1, stopped at the end."""

    def __init__(self, index: Path, env: dict | None = None):
        import os
        import subprocess
        import sys
        import time

        import httpx

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            "-m",
            "policygraph.cli",
            "serve",
            "--index",
            str(index),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        import tempfile

        # a file, not a pipe: an undrained pipe fills up with the access log and blocks the server
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - open while the server runs
            prefix="policygraph-server-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            cmd, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = Path(self.log.name).read_text(errors="replace")
                raise RuntimeError(f"server exited: {out[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start in 90 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


@pytest.fixture(scope="session")
def server(index_dir: Path):
    srv = Server(index_dir)
    yield srv
    srv.stop()
