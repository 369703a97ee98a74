import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
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

const app = await buildApp(config);
if (envFileRead) app.log.info('variables not set in the environment were read from .env');
closeWithGrace({ delay: config.server.shutdownGraceMs }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an unexpected error');
  else app.log.info({ signal }, 'shutting down: draining in-flight requests');
  await app.close();
});
await app.listen({ host: config.server.host, port: config.server.port });
