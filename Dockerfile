# nasmesh's image: every service (`nasmesh serve <service>`), the operator and the final stage, one `nasmesh` command.
#   docker build -t ghcr.io/nasmesh/nasmesh:0.1.0 .                    # CPU (wasm backend; tfjs-node where it installs)
#   docker build -t ghcr.io/nasmesh/nasmesh:0.1.0-gpu --target gpu .   # GPU workers: tfjs-node-gpu on CUDA 11.2 / cuDNN 8
# The Helm chart runs `nasmesh` with its own arguments in each pod (helm/nasmesh), as uid 10001.

# Compiles the TypeScript once; both variants take dist/ from here.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Optional native backends are left to the variants: their install downloads libtensorflow.
RUN npm ci --no-audit --no-fund --omit=optional
COPY tsconfig.json ./
COPY src ./src
COPY services ./services
COPY bench ./bench
COPY test ./test
COPY tools ./tools
COPY deploy ./deploy
RUN npx tsc -p tsconfig.json

# The GPU image: the same app on CUDA 11.2 with cuDNN 8, the versions libtensorflow 2.9 (tfjs-node-gpu 4.x) is built for.
FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 AS gpu
ARG NODE_MAJOR=20
WORKDIR /app
ENV NODE_ENV=production DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl gnupg \
 && mkdir -p /etc/apt/keyrings \
 && curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor -o /etc/apt/keyrings/nodesource.gpg \
 && echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_${NODE_MAJOR}.x nodistro main" > /etc/apt/sources.list.d/nodesource.list \
 && apt-get update && apt-get install -y --no-install-recommends nodejs python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# tfjs-node-gpu downloads libtensorflow (GPU) at install; `auto` then prefers it (src/tf/backend.ts).
RUN npm ci --no-audit --no-fund --omit=dev && node -e "require('@tensorflow/tfjs-node-gpu')" && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN printf '#!/bin/sh\nexec node /app/dist/src/cli/main.js "$@"\n' > /usr/local/bin/nasmesh && chmod 755 /usr/local/bin/nasmesh \
 && groupadd --gid 10001 nasmesh && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /app nasmesh
USER 10001:10001
ENTRYPOINT ["nasmesh"]
CMD ["--help"]

# The CPU image (the last stage: what a plain `docker build` makes): production dependencies (tfjs-node too, where its libtensorflow download works) and dist/.
FROM node:20-bookworm-slim AS cpu
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN printf '#!/bin/sh\nexec node /app/dist/src/cli/main.js "$@"\n' > /usr/local/bin/nasmesh && chmod 755 /usr/local/bin/nasmesh \
 && groupadd --gid 10001 nasmesh && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /app nasmesh
USER 10001:10001
ENTRYPOINT ["nasmesh"]
CMD ["--help"]
