# Two commands for a fresh machine: `make demo` (the wake-word demo end to end on an
# emulated board) and `make test` (the whole test suite, emulator tests included).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
SF     := $(VENV)/bin/sensorflow
EXTRAS ?= dev,uea,micropython,tune,onnx,bench

.PHONY: setup system-deps lint test test-fast fuzz demo bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	touch $@

system-deps:
	@scripts/install-system-deps.sh

# House rules: ruff (lint + format), the layer contracts (.importlinter), no dead code (vulture).
lint: setup
	$(VENV)/bin/ruff check sensorflow tests
	$(VENV)/bin/ruff format --check sensorflow tests
	$(VENV)/bin/lint-imports
	$(VENV)/bin/vulture

# Whole suite: unit, oracle, conformance, compile-and-compare, emulated-board HIL.
test: setup system-deps lint
	$(PY) -m pytest -m "" -p no:cacheprovider

# Fast inner loop: no slow or emulator tests.
test-fast: setup
	$(PY) -m pytest

# Longer property-based fuzzing of YAML, artifacts, recordings and HIL frames (CI runs the same tests briefly).
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/reliability/test_fuzz.py tests/reliability/test_fuzz_frames.py -p no:cacheprovider

demo: setup system-deps
	$(SF) demo wakeword

# CMSIS-DSP's C ships only in the cmsisdsp source distribution: pip fetches it into build/peers/
# (if that fails, the benchmark still runs and reports the CMSIS-DSP rows as not available).
bench: setup system-deps
	-$(PY) -m sensorflow.bench.peers
	$(SF) bench --out docs

clean:
	rm -rf build .pytest_cache
