# One image for every process of the project; the command picks which:
#   worker (default)  node dist/worker/main.js
#   relay             node dist/relay/main.js
#   sandbox           node dist/sandbox/main.js
# It runs node directly: `npm start`/`npm test` run scripts/bootstrap, which builds the Temporal CLI
# with Go for the local stack, and a container neither needs nor has Go.
# Node.js 24 (LTS; Node.js 20 reached its end of life on 2026-04-30), the newest Node.js the Temporal
# SDK 1.24 tests on. .ci/run proves the code on this exact version (the FROM tag is read there);
# docs/docker.md says how to move all three FROM lines to a newer patch.

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN npm run build

# ---- production dependencies only ----
FROM node:24.22.3-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force

# ---- runtime ----
FROM node:24.22.3-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Code stays root-owned (read-only to the process); only the data directory is writable.
COPY package.json package-lock.json ./
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 8380 8390
CMD ["node", "dist/worker/main.js"]
