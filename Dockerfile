# syntax=docker/dockerfile:1
# The ACS identity gateway: build with the full toolchain, run with production dependencies only.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Lifecycle scripts are skipped: they only fetch what the build never uses (the `node` devDependency's
# own Node binary, a mongod for the embedded database).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.production.json ./
# src/local (the development stand-ins) is left out by .dockerignore.
COPY src ./src
# tsc under the image's own Node 24, not through `npm run` (which puts the `node` devDependency first on PATH).
RUN node node_modules/typescript/bin/tsc -p tsconfig.production.json

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force
COPY --from=build /app/dist ./dist
# The trusted documents (TRUSTED_DOCUMENTS' default, found beside package.json): production runs only these.
COPY operations/trusted-documents.json ./operations/
# The official image's unprivileged `node` user, by number so that runAsNonRoot checks can see it is not root.
# The app's files stay root-owned and read-only to it.
USER 1000:1000
EXPOSE 4000
# Slim images have no curl; Node 24's fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same node flags as `npm start`. V8 would otherwise let the young generation grow to 128 MiB and old space to
# over 100 MiB before collecting, for a live heap of about 40 MiB; RSS then stays at its high-water mark.
CMD ["node", "--max-semi-space-size=8", "--max-old-space-size=128", "dist/src/main.js"]
