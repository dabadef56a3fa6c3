# nasmesh's image: every service (`nasmesh serve <service>`), the operator and the final stage, one `nasmesh` command.
#   docker build -t nasmesh:0.1.0 .                        # CPU: the native `tensorflow` backend from tensorflow-cpu
#   docker build --target gpu -t nasmesh:0.1.0-gpu .       # GPU: tfjs-node-gpu on the tensorflow wheel and CUDA 12
# `make image` builds the same file with buildah, on a base made from Debian's packages and the npm package of Node
# (tools/image). The Helm chart runs `nasmesh` with its own arguments in each pod, as uid 10001.
ARG BASE=node:20-bookworm-slim

# What building needs and the images do not: compilers for the native addon, pip for the TensorFlow wheels, dev packages.
FROM ${BASE} AS toolchain
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates g++ make python3 python3-pip \
 && rm -rf /var/lib/apt/lists/*
# Where Node's C headers are (node-gyp must not download them): the official image and tools/image's base agree.
# CA_BUNDLE: the certificates npm and pip trust (tools/image passes the host's, for a registry behind its proxy).
# ONNXRUNTIME_NODE_INSTALL: onnxruntime-node (a dev dependency: the tests' ONNX runtime) ships its CPU binaries; its
# install script would fetch GPU ones.
ARG CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
ENV npm_config_nodedir=/usr/local NODE_EXTRA_CA_CERTS=${CA_BUNDLE} PIP_CERT=${CA_BUNDLE} ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY package.json package-lock.json ./
# Optional native packages are left to the backend steps below: their own install downloads libtensorflow.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund --omit=optional

# The CPU backend: tfjs-node's addon built against the C library of PyPI's tensorflow-cpu wheel, with the
# thread-safety patch (tools/tensorflow, as `make deps` does); the step fails unless the backend loads.
FROM toolchain AS cpu-modules
COPY tools/tensorflow ./tools/tensorflow
COPY tools/run-command.ts ./tools/run-command.ts
RUN --mount=type=cache,target=/root/.npm --mount=type=cache,target=/root/.cache/pip --mount=type=cache,target=/root/.cache/nasmesh \
    node --import tsx tools/tensorflow/main.ts cpu \
 && npm prune --omit=dev --no-audit --no-fund

# The GPU backend: tfjs-node-gpu's addon built against the C library of PyPI's tensorflow wheel (its Linux x86_64
# build carries the CUDA kernels), with the CUDA 12 runtime from the nvidia-*-cu12 wheels of its and-cuda extra,
# where the library's RUNPATH finds them (deps/nvidia). Only the driver comes from the node. On a host without a GPU
# it runs TensorFlow's CPU kernels, which is how the step checks that it loads.
FROM toolchain AS gpu-modules
COPY tools/tensorflow ./tools/tensorflow
COPY tools/run-command.ts ./tools/run-command.ts
RUN --mount=type=cache,target=/root/.npm --mount=type=cache,target=/root/.cache/pip --mount=type=cache,target=/root/.cache/nasmesh \
    node --import tsx tools/tensorflow/main.ts gpu \
 && npm prune --omit=dev --no-audit --no-fund

# dist/, compiled.
FROM toolchain AS build
COPY tsconfig.json ./
COPY src ./src
COPY cli ./cli
COPY services ./services
COPY bench ./bench
COPY test ./test
COPY tools ./tools
COPY deploy ./deploy
RUN npx tsc -p tsconfig.json

# What both images share: the `nasmesh` command, its user, and the .proto files its gRPC reflection serves.
FROM ${BASE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY proto ./proto
RUN printf '#!/bin/sh\nexec node /app/dist/cli/main.js "$@"\n' > /usr/local/bin/nasmesh && chmod 755 /usr/local/bin/nasmesh \
 && groupadd --gid 10001 nasmesh && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /app nasmesh
USER 10001:10001
ENTRYPOINT ["nasmesh"]
CMD ["--help"]

# The GPU image. The NVIDIA container runtime mounts the node's driver into containers that ask for it.
FROM runtime AS gpu
ENV NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility
COPY --from=gpu-modules /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./

# The CPU image (the last stage: what a plain `docker build` makes).
FROM runtime AS cpu
COPY --from=cpu-modules /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
