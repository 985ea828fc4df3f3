// A Web Worker that generates images with horde-wasm, off the page's main thread.
// In your own app, import from 'horde-wasm' (your bundler resolves it to the web build); here
// the demo server serves the build at /pkg/.
//
// The import is dynamic on purpose: the web build initialises its WebAssembly with a top-level
// await, and a module worker that is still awaiting drops the messages posted to it meanwhile.
// So the handler is installed at once, and waits for the module itself.
const sdk = import('/pkg/web/index.js');

let controller = null;

self.onmessage = async ({ data }) => {
  if (data.type === 'cancel') {
    controller?.abort();
    return;
  }
  if (data.type !== 'generate') return;
  const { HordeClient, HordeAbortError } = await sdk;

  const client = new HordeClient({ baseUrl: data.baseUrl, apiKey: data.apiKey });
  controller = new AbortController();
  const sent = new Set();
  // Downloads an image once and hands its bytes to the page (the Blob is transferable by copy).
  const deliver = async (generation) => {
    if (sent.has(generation.id)) return;
    sent.add(generation.id);
    const image = await client.downloadImage(generation);
    self.postMessage({ type: 'image', id: generation.id, censored: image.censored, blob: image.blob });
  };
  const pending = [];
  try {
    const status = await client.generateImages(data.request, {
      signal: controller.signal,
      onProgress: (p) => self.postMessage({ type: 'progress', progress: p }),
      onImage: (g) => pending.push(deliver(g)),
    });
    await Promise.all([...pending, ...status.generations.map(deliver)]);
    self.postMessage({ type: 'done', finished: status.generations.length, kudos: status.kudos });
  } catch (e) {
    // Errors cross to the page as plain data: name, rc, message (and what finished before).
    await Promise.allSettled([...pending, ...(e.partial?.generations || []).map(deliver)]);
    self.postMessage({
      type: e instanceof HordeAbortError ? 'cancelled' : 'error',
      error: { name: e.name, rc: e.rc, status: e.status, message: e.message },
    });
  } finally {
    controller = null;
  }
};
