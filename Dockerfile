# syntax=docker/dockerfile:1
# Keyhole's release image (issue 18 part 5; docs/operations.md "Container"). Multi-stage: the
# build stage compiles and assembles the release with scripts/release.mjs (the same script
# test/cluster/release.test.ts runs: npm run build, then `npm ci --omit=dev` into /release);
# the runtime stage holds only that, runs as a non-root user and works on a read-only root
# filesystem (data only in the /data volume). Both stages use the same Node 24 base, pinned by
# digest (update the digest deliberately: `docker buildx imagetools inspect node:24-bookworm-slim`).
#   docker build -t keyhole .
#   docker run --read-only --tmpfs /tmp -v keyhole-data:/data -p 8080:8080 \
#     -e DATABASE_URL_FILE=/run/secrets/database-url -e KEYHOLE_MASTER_KEY_FILE=/run/secrets/master-key keyhole
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

FROM ${NODE_IMAGE} AS build
# pkcs11js (HSM key provider) compiles a native addon at install
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# builds dist/ and web/dist/, then installs production dependencies only (npm ci --omit=dev)
RUN node scripts/release.mjs /release

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    KEYHOLE_HOST=0.0.0.0 \
    KEYHOLE_PORT=8080 \
    KEYHOLE_DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=root:root /release /app
RUN mkdir -p /data && chown 1000:1000 /data && chmod 0700 /data
VOLUME ["/data"]
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=8", "/app/bin/keyhole.js"]
CMD ["serve"]
