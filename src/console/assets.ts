import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../project-root.js';

export interface Asset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The UI libraries, loaded by the browser from Coach itself (no CDN): the same files npm installed. */
const VENDOR: Record<string, string> = {
  preact: 'preact.mjs',
  'preact/hooks': 'hooks.mjs',
  htm: 'htm.mjs',
};

export const CONSOLE_PREFIX = '/console';

export interface ConsoleAssets {
  index: Asset;
  /** By path below /console/, e.g. "app.js" or "vendor/preact.mjs". */
  files: Map<string, Asset>;
  /** The CSP source that lets the page's one inline script, its import map, run. */
  importMapHash: string;
}

function typeOf(file: string): string {
  const type = TYPES[path.extname(file)];
  if (type === undefined) throw new Error(`console asset ${file} has no known content type`);
  return type;
}

/**
 * Everything the console serves, read once at start-up: the console's own folder and the vendor
 * modules, mapped by an import map so the browser resolves `import … from 'preact'` without a bundler.
 */
export function loadConsoleAssets(): ConsoleAssets {
  const webDir = path.join(projectRoot(), 'src', 'console', 'web');
  const files = new Map<string, Asset>();
  for (const rel of readdirSync(webDir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(webDir, rel);
    if (!path.extname(rel) || rel === 'index.html') continue;
    files.set(rel.split(path.sep).join('/'), { body: readFileSync(file), type: typeOf(rel) });
  }
  const imports: Record<string, string> = {};
  for (const [specifier, name] of Object.entries(VENDOR)) {
    const resolved = fileURLToPath(import.meta.resolve(specifier));
    files.set(`vendor/${name}`, { body: readFileSync(resolved), type: typeOf(name) });
    imports[specifier] = `${CONSOLE_PREFIX}/vendor/${name}`;
  }
  const importMap = JSON.stringify({ imports });
  const html = readFileSync(path.join(webDir, 'index.html'), 'utf8').replace('<!--importmap-->', `<script type="importmap">${importMap}</script>`);
  const importMapHash = `'sha256-${createHash('sha256').update(importMap).digest('base64')}'`;
  return { index: { body: Buffer.from(html), type: TYPES['.html']! }, files, importMapHash };
}
