# Every target works on a fresh machine with only python3: the first run creates .venv and
# installs plmsync with its dependencies; later runs reuse it (the stamp tracks pyproject.toml).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DIR ?= demo-workspace
PYTEST_WORKERS ?= auto

.PHONY: demo test browser lint typecheck bench bench-diff schema docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/plmsync demo --dir $(DEMO_DIR)

# The dashboard's browser tests drive Debian's Chromium through Playwright (never a browser
# download). Installed here when missing; without root or sudo those tests skip (fail in CI).
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium for the dashboard's browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else SUDO=none; fi; \
	  if [ "$$SUDO" = none ]; then echo "not root and no sudo: the browser tests will skip"; \
	  else $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
	       { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q chromium >/dev/null; }; fi; }

test: $(STAMP) browser
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Every benchmark row in one run (release vs ERP floor, diff vs DeepDiff, queue vs
# procrastinate, webhook latency, peak memory, ERP writes, scale-out): docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python -m bench.all --out docs/benchmarks.md

bench-diff: $(STAMP)
	$(BIN)/python -m bench.diff_bench

# 200 generated ECOs across 4 plants through `plmsync serve` while its workers run; the
# service's own KPIs per plant printed and written to docs/load.md (about 2 minutes).
.PHONY: load
load: $(STAMP)
	$(BIN)/python -m bench.load --out docs/load.md

# The rows besides `make bench`'s table: queue throughput (SQLite, PostgreSQL, procrastinate;
# needs PostgreSQL at 127.0.0.1:5432, user postgres), webhook → posted overhead, peak memory
# of a 100,000-line release, ERP writes vs records changed. Writes docs/benchmarks-more.md.
.PHONY: bench-more
bench-more: $(STAMP)
	$(BIN)/python -m bench.more --out docs/benchmarks-more.md

schema: $(STAMP)
	$(BIN)/plmsync schema > schemas/change-package.v1.json
	$(BIN)/plmsync schema --rules > schemas/rules.v1.json
	$(BIN)/plmsync openapi > schemas/openapi.json

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
