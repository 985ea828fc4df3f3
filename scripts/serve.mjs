#!/usr/bin/env node
// A tiny static file server for the demo, with no dependencies: www/ at `/`, the package's
// builds (pkg/) at `/pkg/`, the examples (examples/) at `/examples/`, and a generated
// `/config.json` that tells the pages which Horde to talk to. Used by `npm start` (scripts/start.mjs) and the browser tests (tests/e2e/).
//
//   import { serve } from './serve.mjs';
//   const server = await serve({ port: 0, config: { hordeUrl: 'http://127.0.0.1:7001/api' } });
//   server.url;  // 'http://127.0.0.1:PORT'
//   await server.close();
//
// Only GET and HEAD. Paths are decoded once and then checked: `..` segments, backslashes,
// encoded slashes, NUL bytes and anything that resolves (symlinks included) outside the served
// folder answer 400 or 404. Responses carry `Cache-Control: no-cache` with an ETag, so a
// rebuilt pkg/ is picked up on the next reload without a hard refresh.

import http from 'node:http';
import { createReadStream, promises as fsp } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { join, resolve, sep, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Starts the server. Resolves once it listens.
 * @param {object} [options]
 * @param {number} [options.port=8080] 0 = any free port
 * @param {string} [options.host='127.0.0.1']
 * @param {string} [options.root] the repository root (www/ and pkg/ are below it)
 * @param {object} [options.config] the JSON served as /config.json
 * @param {boolean} [options.quiet=true] no request log on stderr
 * @returns {Promise<{url: string, port: number, server: http.Server, close(): Promise<void>}>}
 */
export async function serve({ port = 8080, host = '127.0.0.1', root = ROOT, config = {}, quiet = true } = {}) {
  const mounts = [
    // Longest prefix first.
    { prefix: '/pkg/', dir: resolve(root, 'pkg') },
    { prefix: '/examples/', dir: resolve(root, 'examples') },
    { prefix: '/', dir: resolve(root, 'www') },
  ];
  const configBody = Buffer.from(JSON.stringify(config, null, 2) + '\n');

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, 'Internal Server Error\n');
      else res.destroy();
      if (!quiet) console.error(`serve: ${err && err.message}`);
    });
    if (!quiet) res.on('finish', () => console.error(`${req.method} ${req.url} ${res.statusCode}`));
  });

  async function handle(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'Method Not Allowed\n', req);
    }
    const rawPath = (req.url || '/').split('?')[0].split('#')[0];
    if (!rawPath.startsWith('/')) return send(res, 400, 'Bad Request\n', req);
    if (rawPath === '/config.json') {
      res.setHeader('Cache-Control', 'no-store');
      return send(res, 200, configBody, req, MIME_TYPES['.json']);
    }
    const rel = safeRelativePath(rawPath);
    if (rel === null) return send(res, 400, 'Bad Request\n', req);

    const path = '/' + rel;
    const mount = mounts.find((m) => path.startsWith(m.prefix) || path + '/' === m.prefix);
    if (!mount) return send(res, 404, 'Not Found\n', req);
    let file = join(mount.dir, path.slice(mount.prefix.length));
    let st = await stat(file);
    if (st && st.isDirectory()) {
      // A folder serves its index.html (a path without the trailing slash is redirected, so
      // relative URLs work); there are no directory listings.
      if (!path.endsWith('/')) {
        const index = await stat(join(file, 'index.html'));
        if (!index || !index.isFile()) return send(res, 404, 'Not Found\n', req);
        res.setHeader('Location', `${path}/`);
        return send(res, 301, 'Moved Permanently\n', req);
      }
      file = join(file, 'index.html');
      st = await stat(file);
    }
    if (!st || !st.isFile()) return send(res, 404, 'Not Found\n', req);
    // Symlinks must not lead outside the mounted folder.
    const real = await fsp.realpath(file).catch(() => null);
    const realDir = await fsp.realpath(mount.dir).catch(() => mount.dir);
    if (!real || !(real === realDir || real.startsWith(realDir + sep))) return send(res, 404, 'Not Found\n', req);

    const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', st.mtime.toUTCString());
    if (req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      return res.end();
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', MIME_TYPES[extname(file).toLowerCase()] || 'application/octet-stream');
    res.setHeader('Content-Length', st.size);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method === 'HEAD') return res.end();
    // pipeline closes the file when the client goes away mid-response (pipe would not).
    await pipeline(createReadStream(file), res).catch((e) => {
      if (e.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw e;
    });
  }

  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const actual = server.address().port;
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    port: actual,
    server,
    close() {
      return new Promise((ok) => {
        server.close(() => ok());
        server.closeIdleConnections?.();
        for (const s of sockets) s.destroy();
      });
    },
  };
}

/**
 * The path below `/` as a relative path with `/` separators, or null when it must be refused:
 * bad percent-encoding, encoded `/` or `\`, backslashes, NUL, `.`/`..` segments, or empty
 * segments (`//`).
 */
export function safeRelativePath(rawPath) {
  if (/%2f|%5c|%00/i.test(rawPath)) return null;
  let decoded;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\\') || decoded.includes('\0')) return null;
  const rest = decoded.slice(1);
  if (rest === '') return '';
  const segments = rest.split('/');
  // A trailing slash leaves one empty last segment; any other empty segment is refused.
  const inner = segments[segments.length - 1] === '' ? segments.slice(0, -1) : segments;
  if (inner.some((s) => s === '' || s === '.' || s === '..')) return null;
  return rest;
}

async function stat(file) {
  try {
    return await fsp.stat(file);
  } catch {
    return null;
  }
}

function send(res, status, body, req, type = 'text/plain; charset=utf-8') {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-store');
  res.end(req && req.method === 'HEAD' ? undefined : body);
}

// `node scripts/serve.mjs [--port N] [--horde-url URL]`: the static server alone (no simulator).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
  };
  const port = Number(value('--port', 8080));
  const hordeUrl = value('--horde-url', 'https://aihorde.net/api');
  const server = await serve({ port, config: { hordeUrl, simulatorUrl: null }, quiet: !args.includes('--verbose') });
  console.log(`demo on ${server.url}/ (Horde: ${hordeUrl}); Ctrl-C stops`);
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
