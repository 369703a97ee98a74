import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config.js';
import { openPglite } from './db/pglite-db.js';
import { EnvFileError, loadEnvFile } from './env-file.js';

let config;
let envFileRead;
try {
  envFileRead = loadEnvFile();
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError || err instanceof EnvFileError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}

// Embedded PGlite takes seconds to open (its WebAssembly; initdb on a new data directory): it opens
// while the rest of the service's code loads, which the static imports would otherwise do first.
const openingPglite = config.database.url === undefined ? openPglite(config.database.dataDir) : undefined;
// Its failure is reported where buildApp awaits it, not as an unhandled rejection meanwhile.
openingPglite?.catch(() => undefined);
const { buildApp } = await import('./app.js');
const app = await buildApp(config, { openingPglite });
if (envFileRead) app.log.info('variables not set in the environment were read from .env');
closeWithGrace({ delay: config.server.shutdownGraceMs }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an unexpected error');
  else app.log.info({ signal }, 'shutting down: draining in-flight requests');
  await app.close();
});
await app.listen({ host: config.server.host, port: config.server.port });
