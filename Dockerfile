# One image for every process of the project; the command picks which:
#   worker (default)  node dist/worker/main.js
#   relay             node dist/relay/main.js
#   sandbox           node dist/sandbox/main.js
# It runs node directly: `npm start`/`npm test` run scripts/bootstrap, which builds the Temporal CLI
# with Go for the local stack, and a container neither needs nor has Go.

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM node:20.19.5-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN npm run build

# ---- production dependencies only ----
FROM node:20.19.5-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force

# ---- runtime ----
FROM node:20.19.5-bookworm-slim AS runtime
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
