"""Shared fixtures: one workspace built from the project's corpus per test session (read-only)."""

from __future__ import annotations

import json
import shutil
import sys
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


sys.path.insert(0, str(ROOT / "bench"))
from server import LocalServer as Server  # noqa: E402  (one helper for tests and benchmarks)


@pytest.fixture(scope="session")
def server(index_dir: Path):
    srv = Server(index_dir, timeout_s=90)
    yield srv
    srv.stop()
