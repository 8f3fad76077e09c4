# Every target creates .venv on first use and reinstalls only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)

.PHONY: run test test-all bench lint screenshots demo clean package package-test

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
# a million log rows): minutes when the machine is quiet, over ten when it is busy.
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

# The installed desktop app (packaging/README.md): a PyInstaller one-folder bundle of
# dms-desktop, dms-scheduler and dms in dist/dms-desktop/, and the Linux tarball with its
# install/uninstall scripts. package-test also runs each frozen program's --self-test and
# installs/uninstalls the tarball into a temporary HOME (minutes: not part of CI).
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
BUNDLE := dist/dms-desktop
TARBALL := dist/dms-desktop-$(VERSION)-linux-$(shell uname -m).tar.gz
PACKAGE_STAMP := $(VENV)/.installed-package

$(PACKAGE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,package]'
	touch $(PACKAGE_STAMP)

package: $(PACKAGE_STAMP)
	@start=$$(date +%s); set -e; \
	rm -rf build/icons $(BUNDLE) $(TARBALL); \
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/make_icons.py build/icons >/dev/null; \
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/dms-desktop.spec; \
	sh packaging/linux/make_tarball.sh $(BUNDLE) build/icons $(TARBALL); \
	echo "package: built in $$(($$(date +%s) - start)) s; bundle $(BUNDLE) $$(du -sh $(BUNDLE) | cut -f1); tarball $(TARBALL) $$(du -sh $(TARBALL) | cut -f1)"

package-test: package
	@start=$$(date +%s); \
	sh packaging/linux/package_test.sh $(BUNDLE) $(TARBALL) && \
	echo "package-test: self-tests and install check in $$(($$(date +%s) - start)) s"

clean:
	rm -rf $(VENV) screenshots build dist
