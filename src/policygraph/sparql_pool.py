"""SPARQL in worker processes, so that a runaway query can be stopped, not just abandoned.

A query that explodes (a cartesian product, a deep property path) runs inside Oxigraph's native
code, where no Python thread can interrupt it. The service therefore runs queries in a small pool
of worker processes, each with its own read-only store. The parent refuses updates and
``SERVICE`` before sending anything, waits ``sparql_timeout_ms`` (plus a short grace) for the
answer, and on expiry kills the worker and starts a fresh one: the CPU is freed and every other
request keeps being answered. Rows are capped in the worker (``sparql_max_rows``).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .errors import SparqlError, SparqlTimeout
from .sparql import SparqlResult, check_query

GRACE_S = 0.5


def _serve(
    conn: Connection, index_dir: str, backend: str
) -> None:  # pragma: no cover - runs in a child
    from .sparql import open_store

    try:
        store = open_store(Path(index_dir), backend)
        conn.send(("ready", len(store)))
    except BaseException as exc:
        conn.send(("error", exc))
        return
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        query, timeout_ms, max_rows = message
        try:
            conn.send(("ok", store.query(query, timeout_ms=timeout_ms, max_rows=max_rows)))
        except BaseException as exc:
            conn.send(("error", exc))


class _Worker:
    """One worker process. It starts in the background: the first query waits for it, so that
    the service does not wait for every store to open before it answers anything."""

    def __init__(self, ctx: Any, index_dir: Path, backend: str, start_timeout_s: float):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, str(index_dir), backend), daemon=True)
        self.proc.start()
        child.close()
        self.started = time.monotonic()
        self.start_timeout_s = start_timeout_s
        self.n_triples: int | None = None
        self.ready_at = 0.0

    def wait_ready(self, timeout_s: float) -> bool:
        """True once the store is open; False if it is still opening after ``timeout_s``.

        Raises:
            SparqlError: the worker failed to open the store, or did not in ``start_timeout_s``.
        """
        if self.n_triples is not None:
            return True
        left_to_start = self.start_timeout_s - (time.monotonic() - self.started)
        if not self.conn.poll(max(0.0, min(timeout_s, left_to_start))):
            if left_to_start <= timeout_s:
                raise SparqlError("SPARQL worker did not start in time")
            return False
        try:
            status, value = self.conn.recv()
        except (EOFError, OSError):
            raise SparqlError("SPARQL worker exited while opening the store") from None
        if status != "ready":
            raise value if isinstance(value, BaseException) else SparqlError(str(value))
        self.n_triples = int(value)
        self.ready_at = time.monotonic()
        return True

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()


class SparqlPool:
    """A fixed number of SPARQL worker processes over one index directory."""

    def __init__(
        self,
        index_dir: Path,
        backend: str = "oxigraph",
        workers: int = 2,
        start_timeout_s: float = 300.0,
    ):
        self.index_dir = Path(index_dir)
        self.backend = backend
        self.start_timeout_s = start_timeout_s
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._workers = [
            _Worker(self._ctx, self.index_dir, backend, start_timeout_s)
            for _ in range(max(1, workers))
        ]
        for worker in self._workers:
            self._idle.put(worker)
        self.size = max(1, workers)
        self.n_killed = 0
        self._n_triples: int | None = None

    def __len__(self) -> int:
        """Triples in the store (waits for a worker to open it)."""
        if self._n_triples is None:
            for worker in self._workers:
                with contextlib.suppress(SparqlError, OSError):
                    if worker.wait_ready(self.start_timeout_s):
                        self._n_triples = worker.n_triples
                        break
            else:
                raise SparqlError("no SPARQL worker could open the store")
        return self._n_triples  # type: ignore[return-value]

    def query(self, query: str, timeout_ms: int = 5000, max_rows: int = 10000) -> SparqlResult:
        """Run a read-only query in a worker; kill the worker if it runs past the time limit.

        Raises:
            SparqlError: refused or malformed query (nothing is sent to a worker).
            SparqlTimeout: past ``timeout_ms`` (the worker is replaced), or no worker free in time.
        """
        check_query(query)
        started = time.monotonic()
        try:
            worker = self._idle.get(timeout=timeout_ms / 1000)
        except queue.Empty:
            raise SparqlTimeout(
                f"all SPARQL workers busy for {timeout_ms} ms (sparql_timeout_ms)"
            ) from None
        try:
            # a worker still opening its store is waited for; the time limit is the query's own
            if not worker.wait_ready(self.start_timeout_s):
                raise SparqlError("SPARQL worker did not start in time")
        except SparqlError:
            self._replace(worker)
            raise
        started = max(started, worker.ready_at)
        remaining = max(0.05, timeout_ms / 1000 - (time.monotonic() - started))
        try:
            worker.conn.send((query, int(remaining * 1000), max_rows))
            if not worker.conn.poll(remaining + GRACE_S):
                raise TimeoutError
            status, value = worker.conn.recv()
        except (TimeoutError, EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise SparqlTimeout(
                f"query ran past {timeout_ms} ms (sparql_timeout_ms) and was stopped"
            ) from None
        self._idle.put(worker)
        if status == "error":
            raise value if isinstance(value, BaseException) else SparqlError(str(value))
        return value  # type: ignore[no-any-return]

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self.n_killed += 1
        if self._closed:
            return

        def respawn() -> None:
            with contextlib.suppress(Exception):  # the pool keeps serving with the workers it has
                fresh = _Worker(self._ctx, self.index_dir, self.backend, self.start_timeout_s)
                self._workers = [w for w in self._workers if w is not worker] + [fresh]
                self._idle.put(fresh)

        threading.Thread(target=respawn, daemon=True).start()

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.kill()


__all__ = ["SparqlPool"]
