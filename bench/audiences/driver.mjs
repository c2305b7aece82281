// Measures one Sendora configuration for `bench/run.sh audiences` and writes the figures as JSON.
//
// 1. Latency: profiles get two "Order Completed" tracks, then a third one crosses the audience
//    "at least 3 Order Completed in the last 7 days". For each crossing it records, on the
//    monotonic clock, when the track was sent, when its 200 arrived and when the SSE enter that
//    names its messageId arrived. Crossings are sent open-loop at a fixed interval, first at idle,
//    then while load.mjs sends /v1/track at half the rate that a saturation run reached.
// 2. Ingest: saturation runs of /v1/track and /v1/batch with autocannon.
// 3. Backfill: profiles are seeded in a workspace of their own for at most SEED_SECONDS. Then an
//    audience that no profile matches and one that every profile matches are created, and each
//    backfill is timed from its startedAt to its finishedAt, or to the last progress read once
//    BACKFILL_TIMEOUT_MS has passed.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startCpuMeasurement } from '../lib/cpu.mjs';
import { CROSSING_INTERVAL_MS, CrossingProbe } from '../lib/probe.mjs';
import { LOAD_USERS, Sendora, forEachLimited, loadUserId } from '../lib/sendora.mjs';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    'admin-token': { type: 'string' },
    'write-key': { type: 'string' },
    configuration: { type: 'string' },
    crossings: { type: 'string', default: '500' },
    profiles: { type: 'string', default: '20000' },
    output: { type: 'string' },
    // Sendora's processes as NAME=PID, separated by spaces.
    'sendora-processes': { type: 'string', default: '' },
    'quiet-wait': { type: 'string', default: '30' },
  },
});

const SATURATION_SECONDS = 10;
const LOAD_WARMUP_SECONDS = 5;
const SEED_SECONDS = 45;
const BACKFILL_TIMEOUT_MS = 60_000;
// Batches of 100 new profiles in flight while seeding the backfill workspace.
const SEED_CONCURRENCY = 4;
// Other programs count as quiet below this many cores.
const QUIET_CORES = 0.3;
// The whole configuration must finish within this time, whatever hangs.
const DRIVER_TIMEOUT_MS = 300_000;

const crossings = Number(options.crossings);
const seededProfiles = Number(options.profiles);
const sendora = new Sendora(options.url, options['admin-token']);
const loadScript = fileURLToPath(new URL('./load.mjs', import.meta.url));
const latencyWorkspace = 'bench-latency';
const backfillWorkspace = 'bench-backfill';

setTimeout(() => {
  console.error(`[bench] the ${options.configuration} configuration did not finish within ${DRIVER_TIMEOUT_MS / 1000}s`);
  process.exit(2);
}, DRIVER_TIMEOUT_MS).unref();

const sendoraProcesses = options['sendora-processes'].split(/\s+/).filter(Boolean).map((item) => {
  const [name, pid] = item.split('=');
  return { name, pid: Number(pid) };
});
// CPU use per phase: whole machine, Sendora's processes, this benchmark's clients, everything else.
const cpu = {};

/** Runs fn and records the CPU use of its phase. fn returns { result, clientSeconds }, the CPU seconds of its child processes. */
async function measured(phase, fn) {
  const measurement = startCpuMeasurement(sendoraProcesses);
  const { result, clientSeconds = 0 } = await fn();
  cpu[phase] = measurement.stop(clientSeconds);
  return result;
}

const log = (message) => console.error(`[bench] ${options.configuration}: ${message}`);
const probe = new CrossingProbe(sendora, log);

function runLoad(writeKey, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [loadScript, '--url', options.url, '--write-key', writeKey, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`load.mjs ${args.join(' ')} exited with code ${code}`));
        return;
      }

      resolve(JSON.parse(output));
    });
  });
}

async function measureLatencyAndIngestAsync() {
  const writeKey = await sendora.createWorkspace(latencyWorkspace);
  await probe.openAsync(latencyWorkspace);

  const idleUsers = Array.from({ length: crossings }, (_, i) => `idle-${i}`);
  const loadedUsers = Array.from({ length: crossings }, (_, i) => `loaded-${i}`);
  log(`priming ${idleUsers.length + loadedUsers.length} profiles with two orders each`);
  await probe.primeAsync(writeKey, [...idleUsers, ...loadedUsers]);
  await sleep(1_000);
  const primingEvents = probe.unexpectedEvents;

  log(`idle: ${crossings} crossings, one every ${CROSSING_INTERVAL_MS} ms`);
  const idle = await measured('idle', async () => ({ result: await probe.measureAsync(writeKey, 'idle', idleUsers) }));

  // The load goes to existing profiles, as most of a running workspace's traffic does. New profiles are
  // measured by the backfill's seeding.
  log(`creating the ${LOAD_USERS} profiles that the load tracks`);
  const loadUsers = Array.from({ length: LOAD_USERS }, (_, i) => ({ type: 'identify', userId: loadUserId(i), traits: { plan: 'free' } }));
  const loadBatches = [];
  for (let i = 0; i < loadUsers.length; i += 100) {
    loadBatches.push(loadUsers.slice(i, i + 100));
  }

  await forEachLimited(loadBatches, 2, (batch) => sendora.send(writeKey, '/v1/batch', { batch }));

  log(`saturating /v1/track and /v1/batch for ${SATURATION_SECONDS}s each, after a 3s warm-up`);
  await runLoad(writeKey, ['--mode', 'track', '--duration', '3', '--connections', '32']);
  const trackSaturation = await measured('trackSaturation', async () => {
    const result = await runLoad(writeKey, ['--mode', 'track', '--duration', String(SATURATION_SECONDS), '--connections', '32']);
    return { result, clientSeconds: result.cpuSeconds };
  });
  const batchSaturation = await measured('batchSaturation', async () => {
    const result = await runLoad(writeKey, [
      '--mode', 'batch', '--duration', String(SATURATION_SECONDS), '--connections', '8', '--batch-size', '100']);
    return { result, clientSeconds: result.cpuSeconds };
  });
  log(`/v1/track ${trackSaturation.requestsPerSecond.toFixed(0)} requests/s, /v1/batch ${batchSaturation.eventsPerSecond.toFixed(0)} events/s`);

  const halfRate = trackSaturation.requestsPerSecond / 2;
  const probeSeconds = (crossings * CROSSING_INTERVAL_MS) / 1000;
  const loadSeconds = Math.ceil(LOAD_WARMUP_SECONDS + probeSeconds + 3);
  log(`loaded: /v1/track at ${halfRate.toFixed(0)} requests/s for ${loadSeconds}s, crossings after ${LOAD_WARMUP_SECONDS}s`);
  const [loaded, backgroundResult] = await measured('loaded', async () => {
    const background = runLoad(writeKey, [
      '--mode', 'track', '--duration', String(loadSeconds), '--connections', '32', '--rate', String(halfRate)]);
    await sleep(LOAD_WARMUP_SECONDS * 1000);
    const crossed = await probe.measureAsync(writeKey, 'loaded', loadedUsers);
    const load = await background;
    return { result: [crossed, load], clientSeconds: load.cpuSeconds };
  });
  probe.close();

  return {
    idle,
    loaded: { ...loaded, background: backgroundResult },
    ingest: { track: trackSaturation, batch: batchSaturation },
    primingEvents,
    unexpectedEvents: probe.unexpectedEvents - primingEvents,
  };
}

async function timeBackfillAsync(name, condition) {
  const started = await sendora.createAudience(backfillWorkspace, name, condition);
  const progress = await sendora.waitForBackfill(backfillWorkspace, BACKFILL_TIMEOUT_MS, started.catalogVersion);
  const end = Date.parse(progress.finishedAt ?? progress.polledAt);
  const seconds = (end - Date.parse(progress.startedAt)) / 1000;
  log(`backfill for '${name}': ${progress.profilesEvaluated} profiles in ${seconds.toFixed(1)}s${progress.timedOut ? ' (unfinished)' : ''}`);
  return {
    audience: name,
    condition,
    finished: !progress.timedOut,
    profilesEvaluated: progress.profilesEvaluated,
    membershipChanges: progress.membershipChanges,
    startedAt: progress.startedAt,
    finishedAt: progress.finishedAt,
    seconds,
    profilesPerSecond: progress.profilesEvaluated / seconds,
  };
}

async function measureBackfillAsync() {
  const writeKey = await sendora.createWorkspace(backfillWorkspace);
  const batches = [];
  for (let i = 0; i < seededProfiles; i += 100) {
    batches.push(Array.from({ length: Math.min(100, seededProfiles - i) }, (_, j) => ({
      type: 'track', userId: `seeded-${i + j}`, event: 'Signed Up', properties: { plan: 'free' },
    })));
  }

  log(`seeding up to ${seededProfiles} profiles for at most ${SEED_SECONDS}s`);
  const seedStart = performance.now();
  const seedDeadline = seedStart + SEED_SECONDS * 1000;
  let seeded = 0;
  await measured('seeding', async () => ({
    result: await forEachLimited(batches, SEED_CONCURRENCY, async (batch) => {
      if (performance.now() < seedDeadline) {
        await sendora.send(writeKey, '/v1/batch', { batch });
        seeded += batch.length;
      }
    }),
  }));
  const seedSeconds = (performance.now() - seedStart) / 1000;

  const nobody = await measured('backfillNobody', async () => ({
    result: await timeBackfillAsync('nobody', { event: 'Never Happened' }),
  }));
  const everyone = await measured('backfillEveryone', async () => ({
    result: await timeBackfillAsync('everyone', { event: 'Signed Up' }),
  }));
  return {
    seeded: { requested: seededProfiles, profiles: seeded, seconds: seedSeconds, profilesPerSecond: seeded / seedSeconds },
    nobody,
    everyone,
  };
}

/**
 * Waits, at most --quiet-wait seconds, until other programs use less than QUIET_CORES over a 3 s sample,
 * because the benchmark may share the machine. Returns the last sample.
 */
async function waitForQuietAsync() {
  const deadline = performance.now() + Number(options['quiet-wait']) * 1000;
  for (;;) {
    const measurement = startCpuMeasurement(sendoraProcesses);
    await sleep(3_000);
    const sample = measurement.stop();
    if (sample.otherCores < QUIET_CORES || performance.now() > deadline) {
      log(`other programs used ${sample.otherCores.toFixed(2)} cores before the start`);
      return sample;
    }

    log(`waiting for other programs to settle: they use ${sample.otherCores.toFixed(2)} cores`);
  }
}

const beforeStart = await waitForQuietAsync();
const latency = await measureLatencyAndIngestAsync();
const backfill = await measureBackfillAsync();
await writeFile(options.output, `${JSON.stringify({
  configuration: options.configuration,
  measuredAt: new Date().toISOString(),
  ...latency,
  backfill,
  cpu,
  beforeStart,
  retriedRequests: sendora.retries,
}, null, 2)}\n`);
log(`results written to ${options.output}`);
