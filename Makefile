# Targets that CI calls verbatim: install, serve, test, lint, bench.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
INDEX  ?= indexes/default
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install serve build test lint bench bench-large bench-load clean

install: $(STAMP)

# Re-install only when the project's metadata changed; torch is pinned to the local CPU wheel first
# so that nothing pulls the CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

build: install
	$(BIN)/policygraph build --corpus corpus --out $(INDEX)

serve: build
	$(BIN)/policygraph serve --index $(INDEX) --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

test: install lint
	$(BIN)/python -m pytest -q

# Benchmarks (bench/results/*.json and *.md). `bench` is bounded (10k documents, under 10 minutes);
# `bench-large` builds about 1M clauses.
bench: install
	$(BIN)/python bench/run.py --docs 10000 --out bench/results/bench-10k.json

bench-large: install
	$(BIN)/python bench/run.py --docs 57000 --runs 5 --http-seconds 30 --out bench/results/bench-1m.json

# Bounded loopback load test: 60 s, 32 clients mixing /search and /sparql (results in bench/results/).
bench-load: build
	$(BIN)/python bench/load_server.py --index $(INDEX) --seconds 60 --clients 32 --out bench/results/load.json

clean:
	rm -rf $(VENV) indexes/default
