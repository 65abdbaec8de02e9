# coin-hts queue worker image, which also runs the paper-trading process (compose service `paper`:
# `node apps/paper/dist/main.js`; it needs a subset of the worker's libraries, so one image serves both).
# Backtests run in BullMQ sandboxes (one child process per concurrent
# job slot), so the container needs an init that reaps children: tini is PID 1.
# Build from the repository root:  docker build -f docker/worker.Dockerfile -t coinhts-worker .
#
# Stages: deps (every dependency, no install scripts) -> build (Nx build: tsc -> dist/) ->
# prod-deps (production dependencies only) -> runtime (slim, non-root, tini, HEALTHCHECK).
# Node 24 LTS (Node 20 reached end of life in April 2026); tools/docker-emulate runs this exact version.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV CI=true NX_NO_CLOUD=true NX_DAEMON=false NPM_CONFIG_UPDATE_NOTIFIER=false
# npm 11 as in development (the lockfile and "allowScripts" are written by npm 11).
RUN npm install -g npm@11.19.1 && npm cache clean --force
# Manifests first, so the dependency layer is reused until a package.json or the lockfile changes.
COPY package.json package-lock.json ./
COPY libs/indicators/package.json libs/indicators/
COPY libs/positions/package.json libs/positions/
COPY libs/engine/package.json libs/engine/
COPY libs/market-data/package.json libs/market-data/
COPY libs/storage/package.json libs/storage/
COPY libs/results/package.json libs/results/
COPY libs/jobs/package.json libs/jobs/
COPY libs/config/package.json libs/config/
COPY libs/paper/package.json libs/paper/
COPY libs/report/package.json libs/report/
COPY libs/runs/package.json libs/runs/
COPY libs/service/package.json libs/service/
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/cli/package.json apps/cli/
COPY apps/paper/package.json apps/paper/
COPY apps/console/package.json apps/console/
# --ignore-scripts: the only dependencies with build scripts are dev-only test oracles (talib) and
# tooling whose prebuilt binaries come as optional packages; the TypeScript build needs none of them.
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM deps AS build
COPY tsconfig.base.json nx.json ./
COPY libs/ libs/
COPY apps/ apps/
# Only runtime JavaScript is collected: no source maps, declarations, tests or test helpers (testing/).
# The Nx build targets of the worker and the paper app also build the libraries they depend on (dependsOn ^build).
RUN npx nx run-many -t build -p worker paper-app --output-style=static \
 && mkdir -p /out \
 && for d in libs/indicators libs/positions libs/engine libs/market-data libs/storage libs/runs libs/results libs/jobs libs/config libs/service libs/paper apps/worker apps/paper; do \
      mkdir -p "/out/$d" && cp "$d/package.json" "/out/$d/" && cp -r "$d/dist" "/out/$d/dist"; \
    done \
 && find /out \( -name '*.tsbuildinfo' -o -name '*.map' -o -name '*.d.ts' -o -name '*.test.js' \) -type f -delete \
 && find /out -type d -name testing -prune -exec rm -rf {} +

FROM deps AS prod-deps
# Production dependencies only; workspace packages stay symlinks into libs/ and apps/.
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=dev && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node and reaps exited sandbox children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    METRICS_PORT=9464 \
    DATA_ROOT=/data/candles \
    RESULTS_STORE=file:/data/results \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY --from=prod-deps /app/package.json /app/package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /out/ ./
# The bundled synthetic sample seeds an empty candle volume on first start (see api.Dockerfile).
COPY data/sample /data/candles
RUN mkdir -p /data/results \
 && chown -R node:node /data
USER node
EXPOSE 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9464)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "apps/worker/dist/main.js"]
