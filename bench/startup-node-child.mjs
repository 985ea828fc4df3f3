// One sample of the Node start-up figure, in a fresh process: import the package, create a
// client, make the first call (heartbeat). Kept free of other imports so that nothing else is
// loaded first. argv: <variant: sdk|fetch|ai_horde> <simulator base URL>.
const [variant, baseUrl] = process.argv.slice(2);
const AGENT = 'horde-wasm-bench:0:bench';
const t0 = performance.now();
let t1 = t0;
let hb;
if (variant === 'sdk') {
  const horde = await import('horde-wasm');
  t1 = performance.now();
  hb = await new horde.HordeClient({ baseUrl, clientAgent: AGENT }).heartbeat();
} else if (variant === 'ai_horde') {
  const { AIHorde } = await import('@zeldafan0225/ai_horde');
  t1 = performance.now();
  await new AIHorde({ api_route: `${baseUrl}/v2`, client_agent: AGENT }).getHeartbeat();
  hb = { message: 'OK' }; // getHeartbeat resolves to true once the answer was a 2xx
} else {
  hb = await (await fetch(`${baseUrl}/v2/status/heartbeat`, { headers: { 'Client-Agent': AGENT } })).json();
}
const t2 = performance.now();
if (hb.message !== 'OK') throw new Error('unexpected heartbeat answer');
// performance.now() counts from the process's time origin, so t2 includes Node's own start.
console.log(JSON.stringify({ importMs: t1 - t0, callMs: t2 - t1, firstCallMs: t2 - t0, sinceProcessStart: t2 }));
