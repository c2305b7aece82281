// Measures failover for `bench/run.sh failover` and writes the figures as JSON.
//
// Senders post /v1/track (and one /v1/batch of BATCH_SIZE tracks in five requests) to random
// profiles, each sender one request at a time, as an SDK's queue does. A 503 is retried with the
// same body, and so the same messageIds, after an exponential backoff of 100 ms doubling up to 2 s.
// After BEFORE seconds of steady load the driver kills one silo with SIGKILL, keeps the load for
// AFTER seconds, and reports on the monotonic clock:
//   - failures end: from the kill to the completion of the last attempt that did not get a 200;
//   - recovery: from the kill to the start of the first 1 s bucket from which on no bucket has a
//     failed attempt and every RECOVERY_WINDOW buckets average at least RECOVERED_THROUGHPUT of the
//     steady rate of 200s;
//   - declared dead: from the kill to the first cluster view that lists the silo as Dead;
//   - counts of 200s, 503s (each attempt), other statuses, network errors and timeouts.
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Sendora, basicAuthorization, forEachLimited, summarize } from '../lib/sendora.mjs';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    'admin-token': { type: 'string' },
    'write-key': { type: 'string' },
    'victim-pid': { type: 'string' },
    'victim-port': { type: 'string' },
    silos: { type: 'string', default: '3' },
    senders: { type: 'string', default: '8' },
    profiles: { type: 'string', default: '500' },
    before: { type: 'string', default: '15' },
    after: { type: 'string', default: '60' },
    output: { type: 'string' },
  },
});

const BATCH_SIZE = 10;
const REQUEST_TIMEOUT_MS = 30_000;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;
const RECOVERED_THROUGHPUT = 0.8;
const RECOVERY_WINDOW = 5;
const CLUSTER_POLL_MS = 250;

const senders = Number(options.senders);
const profiles = Number(options.profiles);
const beforeMs = Number(options.before) * 1000;
const afterMs = Number(options.after) * 1000;
const sendora = new Sendora(options.url, options['admin-token']);
const runId = Date.now().toString(36);

// The whole run must end within this time, whatever hangs.
const DRIVER_TIMEOUT_MS = beforeMs + afterMs + 240_000;
setTimeout(() => {
  console.error(`[bench] the failover run did not finish within ${DRIVER_TIMEOUT_MS / 1000}s`);
  process.exit(2);
}, DRIVER_TIMEOUT_MS).unref();

const attempts = [];
const counts = { ok: 0, unavailable: 0, unavailableWithoutRetryAfter: 0, otherStatus: 0, networkError: 0, timeout: 0 };
const otherStatuses = {};
let abandoned = 0;
let lastFailureAt = null;

function userId(index) {
  return `failover-${runId}-${index}`;
}

function track(user, messageId) {
  return { type: 'track', userId: user, event: 'Item Viewed', messageId, properties: { sku: 's-1' } };
}

/** Posts once and records the outcome. Returns 'ok', 'retry' or 'fail'. */
async function attempt(path, body) {
  const sentAt = performance.now();
  let outcome;
  try {
    const response = await fetch(`${sendora.url}${path}`, {
      method: 'POST',
      headers: { authorization: basicAuthorization(options['write-key']), 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    if (response.status === 200) {
      outcome = 'ok';
      counts.ok++;
    } else if (response.status === 503) {
      outcome = 'retry';
      counts.unavailable++;
      if (!response.headers.get('retry-after')) {
        counts.unavailableWithoutRetryAfter++;
      }
    } else {
      outcome = 'fail';
      counts.otherStatus++;
      otherStatuses[response.status] = (otherStatuses[response.status] ?? 0) + 1;
    }
  } catch (error) {
    outcome = 'retry';
    if (error.name === 'TimeoutError') {
      counts.timeout++;
    } else {
      counts.networkError++;
    }
  }

  const doneAt = performance.now();
  attempts.push({ sentAt, doneAt, ok: outcome === 'ok' });
  if (outcome !== 'ok') {
    lastFailureAt = doneAt;
  }

  return outcome;
}

/** Sends one body until it gets a 200, another status fails it, or stopAt has passed. */
async function sendUntilAcknowledged(path, payload, stopAt) {
  const body = JSON.stringify(payload);
  let backoff = FIRST_BACKOFF_MS;
  for (;;) {
    const outcome = await attempt(path, body);
    if (outcome !== 'retry') {
      return;
    }

    if (performance.now() > stopAt) {
      abandoned++;
      return;
    }

    await sleep(backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

async function runSender(index, loadEndsAt, retriesEndAt) {
  for (let request = 0; performance.now() < loadEndsAt; request++) {
    const messageId = `${runId}-${index}-${request}`;
    const user = () => userId(Math.floor(Math.random() * profiles));
    if (request % 5 === 4) {
      const batch = Array.from({ length: BATCH_SIZE }, (_, item) => track(user(), `${messageId}-${item}`));
      await sendUntilAcknowledged('/v1/batch', { batch }, retriesEndAt);
    } else {
      await sendUntilAcknowledged('/v1/track', track(user(), messageId), retriesEndAt);
    }
  }
}

async function clusterSilos() {
  const view = await sendora.admin('GET', '/cluster?all=true');
  return view.silos;
}

async function waitForActiveSilos(count, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const silos = await clusterSilos().catch(() => []);
    if (silos.filter((silo) => silo.status === 'Active').length >= count) {
      return silos;
    }

    if (performance.now() > deadline) {
      throw new Error(`fewer than ${count} active silos after ${timeoutMs / 1000}s: ${JSON.stringify(silos)}`);
    }

    await sleep(500);
  }
}

/**
 * Polls the cluster view until the silo on victimPort is Dead, and returns when that was seen. A
 * poll starts every CLUSTER_POLL_MS whether earlier ones have returned or not, because a view
 * request can itself wait on the dead silo until the gateway's response timeout.
 */
async function waitForDeclaredDead(victimPort, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  let seenAt = null;
  const polls = [];
  while (seenAt === null && performance.now() < deadline) {
    polls.push(clusterSilos().then((silos) => {
      const victim = silos.find((silo) => silo.address.startsWith(`127.0.0.1:${victimPort}@`));
      if (victim?.status === 'Dead' && seenAt === null) {
        seenAt = performance.now();
      }
    }, () => {}));
    await sleep(CLUSTER_POLL_MS);
  }

  await Promise.all(polls);
  return seenAt;
}

/**
 * Groups the attempts completed between `from` and `to` into 1 s buckets from `from`, with their
 * 200s and failures. The last bucket may be shorter than 1 s.
 */
function buckets(from, to) {
  const result = Array.from({ length: Math.ceil((to - from) / 1000) }, () => ({ ok: 0, failed: 0 }));
  for (const entry of attempts) {
    const index = Math.floor((entry.doneAt - from) / 1000);
    if (entry.doneAt >= from && entry.doneAt < to) {
      result[index][entry.ok ? 'ok' : 'failed']++;
    }
  }

  return result;
}

const silos = await waitForActiveSilos(Number(options.silos), 120_000);
console.log(`[bench] ${silos.length} silos active; creating ${profiles} profiles`);
await forEachLimited([...Array(profiles).keys()], 8, (index) =>
  sendUntilAcknowledged('/v1/track', track(userId(index), `${runId}-seed-${index}`), performance.now() + 60_000));
attempts.length = 0;
Object.keys(counts).forEach((key) => { counts[key] = 0; });

const loadStartedAt = performance.now();
const killAt = loadStartedAt + beforeMs;
const loadEndsAt = killAt + afterMs;
const retriesEndAt = loadEndsAt + 60_000;
console.log(`[bench] ${senders} senders for ${beforeMs / 1000}s, then SIGKILL to pid ${options['victim-pid']}`);
const load = Promise.all(Array.from({ length: senders }, (_, index) => runSender(index, loadEndsAt, retriesEndAt)));

await sleep(killAt - performance.now());
const killedAt = performance.now();
process.kill(-Number(options['victim-pid']), 'SIGKILL');
console.log('[bench] silo killed; watching membership');
const declaredDeadAt = await waitForDeclaredDead(options['victim-port'], afterMs + 60_000);
await load;
const finishedAt = performance.now();

// The first two seconds warm the senders up, and the last bucket before the kill may be partial.
const steady = buckets(loadStartedAt, killedAt).slice(2, -1);
const steadyRate = steady.reduce((sum, bucket) => sum + bucket.ok, 0) / steady.length;
const steadyFailures = steady.reduce((sum, bucket) => sum + bucket.failed, 0);
const after = buckets(killedAt, loadEndsAt);
let recoveredBucket = null;
for (let index = after.length - 1; index >= 0; index--) {
  // The last buckets are judged with the last full window, so that one slow final second does not count alone.
  const start = Math.max(0, Math.min(index, after.length - RECOVERY_WINDOW));
  const span = after.slice(start, start + RECOVERY_WINDOW);
  const spanRate = span.reduce((sum, bucket) => sum + bucket.ok, 0) / span.length;
  if (after[index].failed > 0 || spanRate < RECOVERED_THROUGHPUT * steadyRate) {
    break;
  }

  recoveredBucket = index;
}

const latencies = attempts.filter((entry) => entry.sentAt >= killedAt).map((entry) => entry.doneAt - entry.sentAt);
const result = {
  measuredAt: new Date().toISOString(),
  senders,
  profiles,
  beforeSeconds: beforeMs / 1000,
  afterSeconds: afterMs / 1000,
  steadyOkPerSecond: steadyRate,
  steadyFailures,
  failuresEndedAfterSeconds: lastFailureAt === null || lastFailureAt < killedAt ? 0 : (lastFailureAt - killedAt) / 1000,
  recoveredAfterSeconds: recoveredBucket === null ? null : recoveredBucket,
  declaredDeadAfterSeconds: declaredDeadAt === null ? null : (declaredDeadAt - killedAt) / 1000,
  counts,
  otherStatuses,
  abandonedMessages: abandoned,
  latencyAfterKillMs: summarize(latencies),
  okPerSecondBeforeKill: steady.map((bucket) => bucket.ok),
  okPerSecondAfterKill: after.map((bucket) => bucket.ok),
  failedPerSecondAfterKill: after.map((bucket) => bucket.failed),
  runSeconds: (finishedAt - loadStartedAt) / 1000,
};
await writeFile(options.output, JSON.stringify(result, null, 2));
console.log(`[bench] results written to ${options.output}`);
