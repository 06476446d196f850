# Superhero Dispatch node image: the compiled JavaScript on Node 20, run as a non-root user.
#
#   docker build -t superhero-dispatch .
#   docker run --rm -e SUPERHERO_COOKIE=... -p 4370:4370 -p 4900:4900 superhero-dispatch \
#     node --name gotham --host 0.0.0.0 --web-port 4900 --expect 1
#
# Stage 1 compiles the TypeScript (`npm run build`: the runtime package in packages/runtime, then
# the application); stage 2 holds only the output and the production dependencies, the runtime
# package linked into node_modules as npm workspaces link it. No tsx at run time: the entry point
# is dist/src/cli/main.js.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/runtime/package.json ./packages/runtime/
RUN npm ci --ignore-scripts
COPY tsconfig.base.json tsconfig.json tsconfig.build.json ./
COPY packages/runtime/tsconfig.json ./packages/runtime/
COPY packages/runtime/src ./packages/runtime/src
COPY src ./src
COPY examples ./examples
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/runtime/package.json ./packages/runtime/
# Production dependencies only; tsx and its esbuild are then removed: the image runs plain node.
RUN npm ci --omit=dev && rm -rf node_modules/tsx node_modules/esbuild node_modules/@esbuild \
  && npm cache clean --force
COPY --from=build /app/packages/runtime/dist ./packages/runtime/dist
COPY --from=build /app/dist ./dist
# Raft logs live under /data (a volume: a StatefulSet's PersistentVolumeClaim, or -v on docker run).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# 4370: cluster (node-to-node TCP); 4900: page, HTTP API, /livez, /readyz, /metrics.
EXPOSE 4370 4900
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["node", "--help"]
