# signd — common tasks. `make demo` sets everything up and runs the detector on the bundled sample;
# `make test` runs every test (Swift and Python). See README.md.
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export SIGND_MODELS_DIR ?= $(CURDIR)/Models
export OPENBLAS_NUM_THREADS ?= 1

SAMPLE ?= Samples/msl150_hoy_001.mp4

.PHONY: setup build demo test test-swift test-python clean

setup:
	scripts/setup

build:
	swift build -c release --product signd

## The main job on the bundled sample: every event is printed as it arrives.
demo: setup build
	.build/release/signd run --config configs/demo.yaml --source $(SAMPLE) --print-events

test: test-swift test-python

test-swift:
	swift build --build-tests
	swift test --skip-build

test-python:
	python -m pytest -q Training/tests

clean:
	rm -rf .build
