# syntax=docker/dockerfile:1
# Coach: build the TypeScript (service and command-line tools), then run it from a slim image with
# production dependencies only.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# The service finds migrations/ by walking up from dist/src/db/: /app/migrations.
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
# The versioned prompt files of the teacher and of eval:dialogue, read at run time (tsc does not
# copy them into dist/).
COPY src/teacher/prompts ./src/teacher/prompts
COPY src/evaluation/prompts ./src/evaluation/prompts
COPY src/evaluation/tau/prompts ./src/evaluation/tau/prompts
# The operator console's browser modules, served as they are from /console (no build step).
COPY src/console/web ./src/console/web
COPY bin ./bin
# Embedded PGlite keeps its data in /data when DATABASE_URL is not set; mount a volume on it.
# eval:dialogue writes to eval-runs/ by default; mount a volume there to keep its results.
RUN mkdir -p /data /app/eval-runs && chown node:node /data /app/eval-runs
ENV HOST=0.0.0.0 PORT=8080 COACH_DATA_DIR=/data
USER node
EXPOSE 8080
# The slim image has no curl: Node's own fetch checks liveness.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `serve` by default; `docker compose run --rm coach teach --help` runs a command-line tool instead.
# Through sh, so the script needs no execute bit; it execs node, which becomes PID 1.
ENTRYPOINT ["sh", "/app/bin/coach"]
CMD ["serve"]
