// Sends tracking load with autocannon for a fixed time and prints one JSON summary on stdout.
// Each track names a random user of a pool, so the load lands on many profiles but never on the
// profiles that the latency probe measures.
//
//   node load.mjs --url URL --write-key KEY --mode track|batch --duration SECONDS
//                 [--connections N] [--rate REQUESTS_PER_SECOND] [--users N] [--batch-size N]
//                 [--user-prefix PREFIX]
//
// The bodies are the ones that bench/ladder/bodies.lua builds for wrk, so that both tools send the same.
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { LOAD_USERS, basicAuthorization, loadUserId } from '../lib/sendora.mjs';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    'write-key': { type: 'string' },
    mode: { type: 'string', default: 'track' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    rate: { type: 'string' },
    users: { type: 'string', default: String(LOAD_USERS) },
    'batch-size': { type: 'string', default: '100' },
    // Users are PREFIX0 to PREFIX(N-1); without a prefix they are the pool that lib/sendora.mjs names.
    'user-prefix': { type: 'string' },
  },
});

const users = Number(options.users);
const batchSize = options.mode === 'batch' ? Number(options['batch-size']) : 1;
const userId = options['user-prefix'] === undefined ? loadUserId : (index) => `${options['user-prefix']}${index}`;
const randomUser = () => userId(Math.floor(Math.random() * users));
const trackOf = (userId) => ({
  userId,
  event: 'Product Viewed',
  properties: { sku: `sku-${Math.floor(Math.random() * 500)}`, price: 19.5 },
});

function body() {
  if (options.mode === 'track') {
    return JSON.stringify(trackOf(randomUser()));
  }

  return JSON.stringify({ batch: Array.from({ length: batchSize }, () => ({ type: 'track', ...trackOf(randomUser()) })) });
}

const settings = {
  url: options.url,
  connections: Number(options.connections),
  duration: Number(options.duration),
  timeout: 30,
  requests: [{
    method: 'POST',
    path: options.mode === 'track' ? '/v1/track' : '/v1/batch',
    headers: { authorization: basicAuthorization(options['write-key']), 'content-type': 'application/json' },
    setupRequest: (request) => ({ ...request, body: body() }),
  }],
};
if (options.rate) {
  settings.overallRate = Math.max(1, Math.round(Number(options.rate)));
}

const cpuBefore = process.cpuUsage();
const result = await autocannon(settings);
const cpu = process.cpuUsage(cpuBefore);
const ok = result['2xx'];
process.stdout.write(`${JSON.stringify({
  mode: options.mode,
  connections: settings.connections,
  durationSeconds: result.duration,
  targetRate: settings.overallRate ?? null,
  batchSize,
  requests: result.requests.total,
  ok,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  requestsPerSecond: ok / result.duration,
  eventsPerSecond: (ok * batchSize) / result.duration,
  latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
})}\n`);
