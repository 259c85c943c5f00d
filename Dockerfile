# One image for every Node service of the cluster: the app replica (default command), the
# proxy (`command: node dist/proxy/main.js` in docker-compose.yml) and the latency injector
# (docker-compose.distance.yml). Target `balancers` adds Debian's haproxy and nginx-light for the
# compose profiles haproxy and nginx (docs/proxy.md).
# No BuildKit-only syntax (no RUN --mount, no heredocs): it builds with the classic builder too.

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so editing the sources does not re-run npm ci.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY common ./common
COPY services ./services
COPY proxy ./proxy
COPY latency ./latency
COPY cluster ./cluster
COPY loadtest ./loadtest
RUN npm run build
# The proxy benchmark runs on the host against nginx, never in a container.
RUN rm -rf dist/proxy/bench

# ---- runtime: production dependencies only, non-root ----
FROM node:20-bookworm-slim AS runtime
# NODE_ENV tunes libraries; APP_ENV (secrets policy) comes from compose, development by default.
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# Only the code containers run (docker-compose.yml's commands: the app replica and the proxy;
# docker-compose.distance.yml's: the latency injector),
# the library they import and the page the proxy serves; tests/unit/common/image-contents.test.ts
# checks these cover everything the entry points require. A process that joins the stack later
# (a bench agent: dist/loadtest) is one more line here.
COPY --from=build /app/dist/common ./dist/common
COPY --from=build /app/dist/services ./dist/services
COPY --from=build /app/dist/proxy ./dist/proxy
COPY --from=build /app/dist/latency ./dist/latency
COPY dashboard ./dashboard
USER node
EXPOSE 3000 8080 8081 8082
CMD ["node", "dist/services/app/main.js"]

# ---- balancers: the runtime plus HAProxy and nginx, their configs and the entry that starts them ----
FROM runtime AS balancers
USER root
RUN apt-get update && apt-get install -y --no-install-recommends haproxy nginx-light && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/dist/cluster ./dist/cluster
COPY balancers ./balancers
USER node
EXPOSE 8083 8084 8085 8086 8087 8088

# ---- the default image (no --target): the runtime stage as it is ----
FROM runtime
