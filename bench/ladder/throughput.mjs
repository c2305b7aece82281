// Measures one rung of `bench/run.sh ladder` and writes its figures as JSON.
//
// For each population (users drawn from that many) and each path (/v1/track with one message per
// request, /v1/batch with --batch-size), wrk saturates the endpoint with the bodies of bodies.lua.
// Only 200 responses count, as messages. CPU time of the rung's processes is read from
// /proc/PID/stat around each run. Then autocannon sends the same bodies at fixed rates of 50% and
// 80% of the measured request rate, for their response times. On Sendora (not the baseline), the
// event-to-membership probe of lib/probe.mjs then runs at idle and while /v1/track load runs at
// half its measured rate.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CrossingProbe } from '../lib/probe.mjs';
import { Sendora, basicAuthorization, forEachLimited } from '../lib/sendora.mjs';
import { measureCpu, parseProcesses } from './processes.mjs';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    'admin-token': { type: 'string' },
    'write-key': { type: 'string' },
    rung: { type: 'string' },
    // Processes as ROLE:NAME=PID, separated by spaces; ROLE is sendora or storage.
    processes: { type: 'string', default: '' },
    populations: { type: 'string', default: '1,10000,1000000' },
    'batch-size': { type: 'string', default: '100' },
    'saturation-seconds': { type: 'string', default: '8' },
    'rate-seconds': { type: 'string', default: '4' },
    crossings: { type: 'string', default: '300' },
    baseline: { type: 'boolean', default: false },
    output: { type: 'string' },
  },
});

const TRACK_CONNECTIONS = 32;
const BATCH_CONNECTIONS = 8;
// Before the first measured run, each path runs this long, so that the runtime's tiered compilation is done. It
// compiles the hot methods again with optimizations on a background thread. That thread took about half a core of
// the silo and of the gateway for 10 to 15 s after their start.
const WARMUP_SECONDS = { track: 10, batch: 5 };
const FIXED_RATE_SHARES = [0.5, 0.8];
// The users that the probe's half load tracks, so that it lands on existing profiles.
const PROBE_LOAD_USERS = 10_000;
const PROBE_LOAD_WARMUP_SECONDS = 3;

// Populations up to this size get a profile for every user before their runs, so that those runs measure
// messages for people who already exist. Larger ones would take minutes to create, so their runs measure
// mostly new people.
const PRIME_MAX_USERS = 100_000;
const PRIME_CONCURRENCY = 4;

const luaScript = fileURLToPath(new URL('./bodies.lua', import.meta.url));
const loadScript = fileURLToPath(new URL('../audiences/load.mjs', import.meta.url));
const populations = options.populations.split(',').map(Number);
const batchSize = Number(options['batch-size']);
const saturationSeconds = Number(options['saturation-seconds']);
const rateSeconds = Number(options['rate-seconds']);
const processes = parseProcesses(options.processes);
const sendora = new Sendora(options.url, options['admin-token']);
const log = (message) => console.error(`[bench] ${options.rung}: ${message}`);
const workspace = 'bench-ladder';

function runChild(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited with code ${code}`));
        return;
      }

      resolve(output);
    });
  });
}

/** Saturates one path with wrk for `seconds` and returns its counts; only 200s count as accepted. */
async function runWrk(writeKey, mode, users, seconds) {
  const connections = mode === 'batch' ? BATCH_CONNECTIONS : TRACK_CONNECTIONS;
  const output = await runChild('wrk', [
    '-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', luaScript, options.url,
  ], {
    BENCH_MODE: mode,
    BENCH_USERS: String(users),
    BENCH_USER_PREFIX: `p${users}-`,
    BENCH_BATCH_SIZE: String(batchSize),
    BENCH_AUTHORIZATION: basicAuthorization(writeKey),
  });
  const line = output.split('\n').find((l) => l.startsWith('LADDER_RESULT '));
  if (!line) {
    throw new Error(`wrk printed no LADDER_RESULT line:\n${output}`);
  }

  const result = JSON.parse(line.slice('LADDER_RESULT '.length));
  const durationSeconds = result.durationUs / 1e6;
  const perRequest = mode === 'batch' ? batchSize : 1;
  return {
    connections,
    durationSeconds,
    ...result,
    socketErrors: result.errors.connect + result.errors.read + result.errors.write + result.errors.timeout,
    requestsPerSecond: result.ok / durationSeconds,
    messagesPerSecond: (result.ok * perRequest) / durationSeconds,
    messages: result.ok * perRequest,
  };
}

/** Sends the same bodies with autocannon at a fixed request rate, for response times. */
async function runFixedRate(writeKey, mode, users, rate) {
  const output = await runChild(process.execPath, [
    loadScript, '--url', options.url, '--write-key', writeKey, '--mode', mode,
    '--duration', String(rateSeconds), '--connections', String(mode === 'batch' ? BATCH_CONNECTIONS : TRACK_CONNECTIONS),
    '--rate', String(rate), '--users', String(users), '--user-prefix', `p${users}-`, '--batch-size', String(batchSize),
  ], {});
  return JSON.parse(output);
}

/** Sends one track per user of a population, 100 to a batch, so that every user has a profile. */
async function primeAsync(writeKey, users) {
  const started = Date.now();
  const batches = Array.from({ length: Math.ceil(users / batchSize) }, (_, b) => b * batchSize);
  await forEachLimited(batches, PRIME_CONCURRENCY, async (first) => {
    const batch = [];
    for (let i = first; i < Math.min(users, first + batchSize); i++) {
      batch.push({ type: 'track', userId: `p${users}-${i}`, event: 'Product Viewed', properties: { sku: 'sku-0', price: 19.5 } });
    }

    await sendora.send(writeKey, '/v1/batch', { batch });
  });
  const seconds = (Date.now() - started) / 1000;
  log(`${users.toLocaleString('en-US')} users: created a profile for each in ${seconds.toFixed(1)}s`);
  return seconds;
}

async function measureRunAsync(writeKey, mode, users) {
  log(`${mode}, ${users.toLocaleString('en-US')} users: saturating for ${saturationSeconds}s`);
  const cpu = measureCpu(processes);
  const saturation = await runWrk(writeKey, mode, users, saturationSeconds);
  const usage = cpu.stop(saturation.messages);
  log(`${mode}, ${users.toLocaleString('en-US')} users: ${Math.round(saturation.messagesPerSecond)} messages/s, `
    + `${saturation.nonOk} non-200, ${saturation.socketErrors} socket errors`);

  const fixedRates = [];
  for (const share of FIXED_RATE_SHARES) {
    const rate = saturation.requestsPerSecond * share;
    if (rate < 1) {
      fixedRates.push({ share, targetRate: rate, skipped: 'the measured rate is under 2 requests/s' });
      continue;
    }

    const result = await runFixedRate(writeKey, mode, users, rate);
    fixedRates.push({ share, ...result });
  }

  return { mode, users, batchSize: mode === 'batch' ? batchSize : 1, saturation, cpu: usage, fixedRates };
}

async function measureProbeAsync(probe, writeKey, trackRate) {
  const crossings = Number(options.crossings);
  const idleUsers = Array.from({ length: crossings }, (_, i) => `idle-${i}`);
  const loadedUsers = Array.from({ length: crossings }, (_, i) => `loaded-${i}`);
  log(`probe: priming ${idleUsers.length + loadedUsers.length} profiles`);
  await probe.primeAsync(writeKey, [...idleUsers, ...loadedUsers]);
  await sleep(1_000);
  const primingEvents = probe.unexpectedEvents;

  const idleCpu = measureCpu(processes);
  const idle = await probe.measureAsync(writeKey, 'idle', idleUsers);
  const idleUsage = idleCpu.stop(0);

  const halfRate = trackRate / 2;
  const loadSeconds = Math.ceil(PROBE_LOAD_WARMUP_SECONDS + (crossings * 40) / 1000 + 3);
  log(`probe: /v1/track at ${Math.round(halfRate)} requests/s for ${loadSeconds}s, crossings after ${PROBE_LOAD_WARMUP_SECONDS}s`);
  const loadedCpu = measureCpu(processes);
  const background = runChild(process.execPath, [
    loadScript, '--url', options.url, '--write-key', writeKey, '--mode', 'track', '--duration', String(loadSeconds),
    '--connections', String(TRACK_CONNECTIONS), '--rate', String(halfRate),
    '--users', String(PROBE_LOAD_USERS), '--user-prefix', `p${PROBE_LOAD_USERS}-`,
  ], {});
  await sleep(PROBE_LOAD_WARMUP_SECONDS * 1000);
  const loaded = await probe.measureAsync(writeKey, 'half load', loadedUsers);
  const load = JSON.parse(await background);
  const loadedUsage = loadedCpu.stop(0);
  probe.close();
  return {
    idle: { ...idle, cpu: idleUsage },
    loaded: { ...loaded, cpu: loadedUsage, background: load },
    primingEvents,
    unexpectedEvents: probe.unexpectedEvents - primingEvents,
    retriedRequests: sendora.retries,
  };
}

const startedAt = new Date().toISOString();
const writeKey = options.baseline ? 'baseline' : await sendora.createWorkspace(workspace);
// The probe's audience exists before the load, so that every message of the runs is evaluated
// against one audience, as in a workspace that has one. The load's tracks never change membership.
const probe = options.baseline ? null : new CrossingProbe(sendora, log);
await probe?.openAsync(workspace);
for (const [mode, seconds] of Object.entries(WARMUP_SECONDS)) {
  log(`warming up /v1/${mode} for ${seconds}s`);
  await runWrk(writeKey, mode, 10_000, seconds);
}

const runs = [];
const primed = {};
for (const users of populations) {
  if (users <= PRIME_MAX_USERS) {
    primed[users] = await primeAsync(writeKey, users);
  }

  for (const mode of ['track', 'batch']) {
    runs.push(await measureRunAsync(writeKey, mode, users));
  }
}

// The rates are written before the probe runs, so that they survive a probe that fails or runs out of time.
const result = { rung: options.rung, startedAt, processes, runs, primedSeconds: primed, probe: null };
const save = () => writeFile(options.output, `${JSON.stringify({ ...result, finishedAt: new Date().toISOString() }, null, 2)}\n`);
await save();
if (!options.baseline) {
  const track = runs.find((r) => r.mode === 'track' && r.users === PROBE_LOAD_USERS) ?? runs.find((r) => r.mode === 'track');
  result.probe = await measureProbeAsync(probe, writeKey, track.saturation.requestsPerSecond);
  await save();
}

log(`results written to ${options.output}`);
