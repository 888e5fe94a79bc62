"""Serve one loaded app from several processes that share its memory (pre-fork, like gunicorn).

Request handling is Python and holds the GIL, so one process uses one core. The parent loads the
index once, moves it out of the garbage collector's reach (``gc.freeze``, so that children do not
copy the pages on a collection), opens the listening socket and forks the workers; each runs its
own uvicorn server on the shared socket and its own lifespan (SPARQL worker pool, index watcher).
The parent forwards SIGINT/SIGTERM and restarts a worker that dies, unless workers keep dying on
start.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import time
from typing import Any

logger = logging.getLogger("policygraph.api")

RESTART_WINDOW_S = 10.0
MAX_FAST_DEATHS = 3


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def listen(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket the forked workers inherit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=2048)
    sock.set_inheritable(True)
    return sock


def single_threaded_native_pools() -> None:
    """Keep OpenMP/torch thread pools at one thread: a pool started before ``fork`` hangs in the
    child (GNU OpenMP is not fork-safe), and one worker per core needs no intra-op threads."""
    try:
        import faiss

        faiss.omp_set_num_threads(1)
    except ImportError:  # pragma: no cover - faiss is a dependency
        pass
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass


def _exit_with_parent() -> None:
    """Linux: the worker gets SIGTERM when the parent dies, even from SIGKILL (best effort)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux
        pass


def serve(app: Any, host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Run ``app`` on ``host:port`` in ``workers`` processes (one: plain uvicorn)."""
    import uvicorn

    if workers <= 1 or not hasattr(os, "fork"):
        uvicorn.run(app, host=host, port=port, log_level=log_level)
        return
    sock = listen(host, port)
    gc.freeze()  # children share the loaded index's pages until they write to them
    children: dict[int, float] = {}
    state = {"stopping": False, "fast_deaths": 0}

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # worker
            code = 0
            try:
                _exit_with_parent()
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                config = uvicorn.Config(app, log_level=log_level, timeout_graceful_shutdown=10)
                uvicorn.Server(config).run(sockets=[sock])
            except BaseException:  # noqa: BLE001 - reported, then the worker exits non-zero
                logger.exception("worker %d failed", os.getpid())
                code = 1
            finally:
                os._exit(code)
        children[pid] = time.monotonic()

    def stop(signum: int, _frame: Any) -> None:
        state["stopping"] = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _ in range(workers):
            spawn()
        logger.info("serving on http://%s:%d with %d worker processes", host, port, workers)
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            started = children.pop(pid, None)
            if started is None or state["stopping"]:
                continue
            lived = time.monotonic() - started
            state["fast_deaths"] = state["fast_deaths"] + 1 if lived < RESTART_WINDOW_S else 0
            logger.error(
                "worker %d exited (status %d) after %.1f s",
                pid,
                os.waitstatus_to_exitcode(status),
                lived,
            )
            if state["fast_deaths"] >= MAX_FAST_DEATHS:
                logger.error("workers keep dying on start; stopping the service")
                stop(signal.SIGTERM, None)
                continue
            spawn()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        sock.close()
    if state["fast_deaths"] >= MAX_FAST_DEATHS:
        raise SystemExit(1)


__all__ = ["default_workers", "listen", "serve", "single_threaded_native_pools"]
