# syntax=docker/dockerfile:1
# Coach: build the TypeScript, then run it from a slim image with production dependencies only.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# The service finds migrations/ by walking up from dist/src/db/: /app/migrations.
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
# The teacher's versioned prompt files, read at start-up (tsc does not copy them into dist/).
COPY src/teacher/prompts ./src/teacher/prompts
# Embedded PGlite keeps its data here when DATABASE_URL is not set; mount a volume on it.
RUN mkdir -p /data && chown node:node /data
ENV HOST=0.0.0.0 PORT=8080 COACH_DATA_DIR=/data
USER node
EXPOSE 8080
# The slim image has no curl: Node's own fetch checks liveness.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node as PID 1 receives SIGTERM directly and drains in-flight requests (close-with-grace).
CMD ["node", "dist/src/main.js"]
