# nasmesh: `make run` is the main job, `make test` runs every test. Both install what they need first.
SHELL := /bin/bash
TABLE ?= ../shared/benchmarks/nb201-cifar10.csv
SEEDS ?= 100
QUERIES ?= 200
SOURCES := $(shell find src bench -name '*.ts' 2>/dev/null)

.PHONY: build run test bench clean deps

# Debian packages the tests need: a real nats-server (JetStream) and protoc for the gRPC contracts.
DEBIAN_PACKAGES := nats-server protobuf-compiler
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

# npm ci reproduces package-lock.json exactly; the stamp makes it rerun only when the lock file changes.
node_modules/.install-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

dist/.build-stamp: node_modules/.install-stamp tsconfig.json $(SOURCES)
	npx tsc -p tsconfig.json
	touch $@

build: dist/.build-stamp

# The main job until the training engine lands: every strategy on the NAS-Bench-201 table.
run: build
	mkdir -p results
	node dist/src/cli/main.js bench --space nb201 --table $(TABLE) \
	  --algorithms random,evolution,reinforce,ppo,qlearning \
	  --queries $(QUERIES) --seeds $(SEEDS) --json results/nb201-bench.json

test: deps node_modules/.install-stamp
	npx tsc -p tsconfig.json --noEmit
	npm test

clean:
	rm -rf dist results node_modules/.install-stamp
