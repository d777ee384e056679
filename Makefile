# signd — common tasks. `make demo` sets up what the daemon needs and runs it on the bundled sample;
# `make test` adds the test environment and runs every test (Swift and Python). See README.md.
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export SIGND_MODELS_DIR ?= $(CURDIR)/Models
export OPENBLAS_NUM_THREADS ?= 1

SAMPLE ?= Samples/msl150_hoy_001.mp4

.PHONY: setup setup-dev build demo install deb test test-sanitize clean

## What the daemon needs: system libraries and the pinned models (no Python environment).
setup:
	scripts/setup

## setup + the test and training environments (.venv with PyTorch, .venv-mediapipe).
setup-dev:
	scripts/setup --dev

build:
	swift build -c release --product signd

## The main job on the bundled sample: every event is printed as it arrives.
demo: setup build
	.build/release/signd run --config configs/demo.yaml --source $(SAMPLE) --print-events

## Installs the daemon where the units and configs/signd.yaml expect it (PREFIX, DESTDIR for staging): a
## binary with the Swift runtime linked in (runs without the toolchain; the system libraries come from
## `make setup`), the landmark models and default heads, the units, and the config template unless one exists.
## The units and the config template name /usr/local paths; they are rewritten for another PREFIX.
## FETCH_MODELS=0 leaves the models out (the .deb fetches them after installing: scripts/build-deb).
PREFIX ?= /usr/local
UNITDIR ?= /etc/systemd/system
FETCH_MODELS ?= 1
install:
	swift build -c release --product signd --static-swift-stdlib --scratch-path .build-static
	install -D -m 0755 .build-static/release/signd $(DESTDIR)$(PREFIX)/bin/signd
	[ "$(FETCH_MODELS)" = 0 ] || scripts/fetch-models $(DESTDIR)$(PREFIX)/share/signd/models >/dev/null
	for unit in signd.service signd@.service; do \
	  sed 's|/usr/local/|$(PREFIX)/|g' systemd/$$unit | install -D -m 0644 /dev/stdin $(DESTDIR)$(UNITDIR)/$$unit; done
	[ -e $(DESTDIR)/etc/signd/signd.yaml ] || sed 's|/usr/local/|$(PREFIX)/|g' configs/signd.yaml | install -D -m 0644 /dev/stdin $(DESTDIR)/etc/signd/signd.yaml
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/doc/signd docs/events.md docs/events.schema.json docs/status.schema.json docs/configuration.md docs/operations.md docs/integrations.md

## A Debian package (dist/signd_VERSION_amd64.deb) whose post-install step fetches and verifies the models.
deb:
	scripts/build-deb dist

## Every test; ends with the run / skipped / failed counts of both suites.
test: setup-dev
	scripts/test-all

## The Swift tests under AddressSanitizer (+ leaks) and ThreadSanitizer, each in its own build folder
## (.build-asan, .build-tsan); docs/sanitizers.md. Run before any change to threads or unsafe pointers.
test-sanitize: setup-dev
	scripts/test-sanitize all

clean:
	rm -rf .build .build-asan .build-tsan .build-static
