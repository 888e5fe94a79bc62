"""Start the service on a free loopback port, run bench/load.py against it, stop it.

python bench/load_server.py --index indexes/default --seconds 60 --clients 32 --out bench/results/load.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import run  # noqa: E402
from server import LocalServer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, default=Path("indexes/default"))
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--out", type=Path, default=Path("bench/results/load.json"))
    args = ap.parse_args()
    server = LocalServer(args.index)
    try:
        result = asyncio.run(run(server.url, args.seconds, args.clients, pid=server.pid))
    finally:
        server.stop()
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", "utf-8")
    if result["n_errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
