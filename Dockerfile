# syntax=docker/dockerfile:1
# Changehook's container image: `changehook serve` on SQLite under the /data volume by default; the
# same image runs `api`, `worker` and `migrate` on PostgreSQL (see compose.yaml).
#
# No Docker engine runs on the machines that test Changehook, so this file itself is untested. Its
# steps are: test/cli/productionInstall.test.ts packs the checkout as the build stage does, installs
# the tarball as the install stage does (npm ci --omit=dev against its npm-shrinkwrap.json), then
# migrates, serves and delivers an event from the installed package.

ARG NODE_VERSION=20

# 1. Build: dev dependencies, the compiled server (dist/) and the built console, packed as a tarball.
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/ scripts/
RUN npm ci --no-audit --no-fund
COPY . .
RUN mkdir /pack && npm pack --pack-destination /pack && mv /pack/changehook-*.tgz /pack/changehook.tgz

# 2. Install: the package and its locked production dependencies, nothing else. better-sqlite3's native
#    addon is fetched prebuilt, or compiled with this image's build tools, which the runtime image lacks.
FROM node:${NODE_VERSION}-bookworm AS install
WORKDIR /opt/changehook
COPY --from=build /pack/changehook.tgz /tmp/changehook.tgz
RUN tar -xzf /tmp/changehook.tgz --strip-components=1 \
  && npm ci --omit=dev --no-audit --no-fund \
  && rm /tmp/changehook.tgz && npm cache clean --force

# 3. Runtime: Node's slim image, the installed package, a non-root user.
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    CHANGEHOOK_DATA_DIR=/data
COPY --from=install /opt/changehook /opt/changehook
RUN ln -s /opt/changehook/bin/changehook.mjs /usr/local/bin/changehook \
  && mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
WORKDIR /data
VOLUME /data
EXPOSE 8080
# Slim images have no curl: Node's own fetch asks /readyz (the database answers). A worker has no
# HTTP API; compose.yaml gives workers their own check on CHANGEHOOK_METRICS_PORT's /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["changehook", "serve"]
