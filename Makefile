# Every target creates .venv on first use and reinstalls only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)

.PHONY: run test test-all bench lint screenshots demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/dms init --demo --if-missing
	$(BIN)/dms-desktop

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Also the slow reliability and scale tests (SIGKILL/SIGSTOP of services, 1,000 runs,
# a million log rows): tens of minutes on a laptop.
test-all: $(STAMP)
	$(BIN)/python -m pytest -q -m ""

bench: $(STAMP)
	$(BIN)/python -m pytest -q -s tests/benchmarks

lint: $(STAMP)
	$(BIN)/ruff check dms_desktop tests tools
	$(BIN)/ruff format --check dms_desktop tests tools
	$(BIN)/lint-imports
	$(BIN)/mypy dms_desktop/core

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py

clean:
	rm -rf $(VENV) screenshots build dist
