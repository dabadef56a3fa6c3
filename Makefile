# nasmesh: `make run` is the main job, `make test` runs every test. Both install what they need first.
SHELL := /bin/bash
TABLE ?= bench/tables/nb201-cifar10.csv
SEEDS ?= 100
QUERIES ?= 200
SOURCES := $(shell find src bench services -name '*.ts' 2>/dev/null)

.PHONY: build run test bench clean deps tensorflow-cpu

# Debian packages the tests need: a real nats-server (JetStream), protoc for the gRPC contracts, openssl for the
# local cluster's certificates, prometheus (and its promtool) for the metrics, rules and dashboard checks.
DEBIAN_PACKAGES := nats-server protobuf-compiler openssl prometheus
# And to build and run images without a Docker engine (tools/image): buildah, podman with runc, mmdebstrap for the base.
IMAGE_PACKAGES := buildah podman runc umoci skopeo mmdebstrap
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
install_debian = missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi
deps: node_modules/.tensorflow-stamp
	@$(call install_debian,$(DEBIAN_PACKAGES))

# The CPU image, localhost/nasmesh:<version>, from the Dockerfile with buildah on a base made from Debian's and npm's
# packages; every input is cached, so a second build takes seconds (tools/image/README.md).
.PHONY: image image-gpu
image: node_modules/.install-stamp
	@$(call install_debian,$(IMAGE_PACKAGES))
	node --import tsx tools/image/main.ts

# The GPU image, localhost/nasmesh:<version>-gpu: tfjs-node-gpu on PyPI's tensorflow wheel and the CUDA 12 runtime
# from the nvidia-*-cu12 wheels (about 3 GB downloaded once). Not part of make test.
image-gpu: node_modules/.install-stamp
	@$(call install_debian,$(IMAGE_PACKAGES))
	node --import tsx tools/image/main.ts gpu

# npm ci reproduces package-lock.json exactly; the stamp makes it rerun only when the lock file changes.
# onnxruntime-node (the tests' ONNX runtime) ships its CPU binaries; its install script would fetch GPU ones.
node_modules/.install-stamp: package.json package-lock.json
	ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
	touch $@

# The native TensorFlow backend for @tensorflow/tfjs-node, built from PyPI's tensorflow-cpu wheel (its own install
# downloads from elsewhere and fails, so npm drops it; tools/tensorflow). Optional: where a step fails it says why
# and nasmesh trains on wasm, so this never fails make. `make tensorflow-cpu` retries it.
node_modules/.tensorflow-stamp: node_modules/.install-stamp
	-node --import tsx tools/tensorflow/main.ts
	touch $@

tensorflow-cpu: node_modules/.install-stamp
	-node --import tsx tools/tensorflow/main.ts
	touch node_modules/.tensorflow-stamp

dist/.build-stamp: node_modules/.install-stamp tsconfig.json $(SOURCES)
	npx tsc -p tsconfig.json
	touch $@

build: dist/.build-stamp

# The main job: ENAS weight-sharing search of an enas-micro cell on Fashion-MNIST, the best cell retrained beside a
# ResNet baseline; results, exported model and report.html in results/fashion-mnist-enas-micro/.
SEARCH ?= deploy/examples/fashion-mnist-enas-micro.yaml
run: build node_modules/.tensorflow-stamp
	node dist/cli/main.js run $(SEARCH)

# Every strategy on the NAS-Bench-201 table (the first issue's benchmark).
bench: build node_modules/.tensorflow-stamp
	mkdir -p results
	node dist/cli/main.js bench --space nb201 --table $(TABLE) \
	  --algorithms random,evolution,reinforce,ppo,qlearning \
	  --queries $(QUERIES) --seeds $(SEEDS) --json results/nb201-bench.json

# gRPC contracts: ts-proto's TypeScript for @grpc/grpc-js, committed under services/gen. No version stamps in the
# output, so any protoc with the same ts-proto (pinned by the lock file) generates identical files.
PROTO_FILES := $(sort $(wildcard proto/nasmesh/v1/*.proto))
TS_PROTO_OPTS := outputServices=grpc-js,esModuleInterop=true,importSuffix=.js,env=node,useOptionals=messages,oneof=unions-value,removeEnumPrefix=true,useUnknownForValue=true,annotateFilesWithVersion=false
protoc_ts = protoc --plugin=protoc-gen-ts_proto=node_modules/.bin/protoc-gen-ts_proto --ts_proto_out=$(1) \
	--ts_proto_opt=$(TS_PROTO_OPTS) -I proto $(PROTO_FILES)

.PHONY: proto proto-check
proto: deps node_modules/.install-stamp
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && $(call protoc_ts,$$tmp) && \
	rm -rf services/gen && cp -r "$$tmp" services/gen && echo "regenerated services/gen"

proto-check: deps node_modules/.install-stamp
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && $(call protoc_ts,$$tmp) && \
	if ! diff -r "$$tmp" services/gen; then \
	  echo "services/gen is stale: it differs from what proto/ generates (above). Run 'make proto' and commit services/gen." >&2; \
	  exit 1; \
	fi

# Files generated from other sources (deploy/generated-files.ts): the NASSearch CRD from the zod schemas in src/spec,
# the Grafana dashboard from deploy/grafana/dashboard.ts, the chart's copies; test/deploy/generated.test.ts fails when
# a checked-in one is stale.
.PHONY: generate
generate: node_modules/.install-stamp
	node --import tsx deploy/generate.ts

# The local Kubernetes cluster (tools/local-cluster/README.md): kube-apiserver, kube-controller-manager,
# kube-scheduler and kubectl built from k8s.io/kubernetes, etcd and KWOK from their Go modules (pinned in tools/*/go.mod;
# test tooling only), cached by version outside the work tree; then a cluster with fake GPU and CPU nodes whose pods
# run as local processes, with nasmesh installed on it.
.PHONY: cluster-tools cluster-up cluster-down
cluster-tools: node_modules/.install-stamp
	node --import tsx tools/local-cluster/main.ts build-tools

# Pods run from nasmesh's image (built first where it is missing; `make image` rebuilds it after a change).
cluster-up: deps node_modules/.install-stamp cluster-tools
	@CONTAINERS_CONF=tools/image/containers.conf podman image exists localhost/nasmesh:$$(node -p "require('./package.json').version") 2>/dev/null \
	  || $(MAKE) image
	node --import tsx tools/local-cluster/main.ts up --dir .cluster

cluster-down: node_modules/.install-stamp
	node --import tsx tools/local-cluster/main.ts down --dir .cluster

test: deps node_modules/.install-stamp proto-check cluster-tools image
	npx tsc -p tsconfig.json --noEmit
	npm run lint
	npm test

clean:
	rm -rf dist results node_modules/.install-stamp node_modules/.tensorflow-stamp
