// scripts/serve.mjs: what it serves, with which types, and what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { serve, safeRelativePath } from '../../scripts/serve.mjs';
import { checkPrerequisites } from './helpers.mjs';

/** A raw GET (fetch would normalise `..` and `%2e%2e` away before sending). */
function get(port, path, { method = 'GET', headers = {} } = {}) {
  return new Promise((ok, fail) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('serves www/ at /, pkg/ at /pkg/ and /config.json, with the right types', async () => {
  checkPrerequisites();
  const server = await serve({ port: 0, config: { hordeUrl: 'http://127.0.0.1:7001/api' } });
  try {
    const { port } = server;
    const index = await get(port, '/');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(index.body.toString(), /<title>horde-wasm/);
    assert.equal(index.headers['cache-control'], 'no-cache');
    assert.ok(index.headers.etag);
    assert.equal((await get(port, '/', { headers: { 'if-none-match': index.headers.etag } })).status, 304);

    assert.equal((await get(port, '/app.js')).headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal((await get(port, '/style.css')).headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await get(port, '/index.html?x=1')).status, 200);

    const entry = await get(port, '/pkg/web/index.js');
    assert.equal(entry.status, 200);
    assert.equal(entry.headers['content-type'], 'text/javascript; charset=utf-8');
    const wasm = await get(port, '/pkg/web/horde_wasm_bg.wasm');
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers['content-type'], 'application/wasm');
    assert.deepEqual([...wasm.body.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
    const head = await get(port, '/pkg/web/horde_wasm_bg.wasm', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(Number(head.headers['content-length']), wasm.body.length);

    const config = await get(port, '/config.json');
    assert.equal(config.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(config.body), { hordeUrl: 'http://127.0.0.1:7001/api' });
  } finally {
    await server.close();
  }
});

test('refuses traversal, encoded slashes, directories and other methods', async () => {
  const server = await serve({ port: 0 });
  try {
    const { port } = server;
    for (const path of ['/../package.json', '/pkg/../package.json', '/%2e%2e/package.json', '/pkg/%2e%2e/package.json',
      '/pkg%2fweb/index.js', '/pkg/web%2Findex.js', '/..%5cpackage.json', '/%00', '/a\\b', '//etc/passwd', '/%zz']) {
      const res = await get(port, path);
      assert.ok(res.status === 400 || res.status === 404, `${path} -> ${res.status}`);
      assert.doesNotMatch(res.body.toString(), /"name": "horde-wasm"/);
    }
    for (const path of ['/pkg/', '/pkg', '/pkg/web/', '/nope.html', '/sim/server.mjs', '/package.json', '/src/lib.rs']) {
      assert.equal((await get(port, path)).status, 404, path);
    }
    const post = await get(port, '/', { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  } finally {
    await server.close();
  }
  assert.equal(safeRelativePath('/a/b.js'), 'a/b.js');
  assert.equal(safeRelativePath('/'), '');
  assert.equal(safeRelativePath('/a/../b'), null);
  assert.equal(safeRelativePath('/a/%2e/b'), null);
  assert.equal(safeRelativePath('/a//b'), null);
});
