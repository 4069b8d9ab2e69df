# syntax=docker/dockerfile:1
# The ACS identity gateway: build with the full toolchain, install production dependencies apart, and run on an
# image that holds Node, the build and those dependencies only.
#
# The base is pinned by digest, so every build starts from the same bytes; the tag says which Node it is (the one
# `npm ci` installs for development and tests, the `node` devDependency). To move to a newer Node 24:
#   docker buildx imagetools inspect node:24.<x>.<y>-bookworm-slim   (the "Digest:" line, the multi-platform index)
# then set both here, and the `node` devDependency to the same version. Dependabot's docker ecosystem, or Renovate,
# proposes the same change on its own. The digest below is the index published for node:24.21.0-bookworm-slim.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6

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

# Production dependencies, installed here so that the runtime stage needs no package manager.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
# The commit built (docker build --build-arg REVISION=$(git rev-parse HEAD)).
ARG REVISION=unknown
LABEL org.opencontainers.image.title="acs-identity-gateway" \
      org.opencontainers.image.description="GraphQL identity gateway for Azure Communication Services: maps app users to ACS identities and issues their tokens" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24.21.0-bookworm-slim" \
      org.opencontainers.image.base.digest="sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6"
# npm, npx, corepack (and yarn, where the base has it): the gateway never runs a package manager, so the image does
# not carry one for an intruder to use. Their files stay in the base layer, but nothing can run them.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
# The lock file stays beside the dependencies: image scanners read it to list them.
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The trusted documents (TRUSTED_DOCUMENTS' default, found beside package.json): production runs only these.
COPY operations/trusted-documents.json ./operations/
# The official image's unprivileged `node` user, by number so that runAsNonRoot checks can see it is not root.
# The app's files stay root-owned and read-only to it.
USER 1000:1000
# 4000: the API (PORT). 9464: /metrics (METRICS_PORT), on a port of its own; in production it listens on loopback
# unless METRICS_HOST=0.0.0.0 (as the Helm chart sets), so publish it to a scraper only.
EXPOSE 4000 9464
# Slim images have no curl; Node 24's fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same node flags as `npm start`. V8 would otherwise let the young generation grow to 128 MiB and old space to
# over 100 MiB before collecting, for a live heap of about 40 MiB; RSS then stays at its high-water mark.
CMD ["node", "--max-semi-space-size=8", "--max-old-space-size=128", "dist/src/main.js"]
