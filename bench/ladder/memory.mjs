// Measures memory per active profile and backfill speed for `bench/run.sh ladder`, on a Sendora
// that has just started, and writes the figures as JSON.
//
// Profiles are seeded through /v1/batch as fast as the gateway takes them: each gets one identify
// with 10 traits and 20 tracks, all in the same request. After a baseline and at each checkpoint,
// a full GC is induced in the silo process (dotnet-trace with the runtime's GCHeapCollect keyword),
// and the GC heap after it is read with dotnet-counters and the private bytes (RssAnon) from
// /proc/PID/status. Memory per profile is the growth over the baseline divided by the profiles
// seeded. Seeding stops at the last checkpoint or when --seed-seconds have passed, whichever is
// first. After --settle-seconds without messages, memory is read once more. By then each profile
// keeps its state packed (Sendora:Profiles:PackAfterIdle, 30 s by default), and the silo has
// collected the Identity grains of the seeded ids, which Orleans does after 2 minutes idle and
// checks once a minute. Then an audience that every seeded profile matches is created and its backfill is timed
// through the admin API's progress, and the memberships of a sample of the profiles are read back.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { Sendora, forEachLimited } from '../lib/sendora.mjs';
import { measureCpu, parseProcesses } from './processes.mjs';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    'admin-token': { type: 'string' },
    configuration: { type: 'string' },
    // Processes as ROLE:NAME=PID, separated by spaces; the silo is the process named silo, or the
    // gateway when the silo runs inside it.
    processes: { type: 'string', default: '' },
    checkpoints: { type: 'string', default: '100000,1000000' },
    'seed-seconds': { type: 'string', default: '240' },
    'settle-seconds': { type: 'string', default: '180' },
    'backfill-seconds': { type: 'string', default: '90' },
    output: { type: 'string' },
  },
});

const TRAITS = 10;
const EVENTS = 20;
// 20 profiles of 21 messages are 420 messages, about 60 KB: under the 512,000-byte batch limit.
const PROFILES_PER_BATCH = 20;
const BATCHES_IN_FLIGHT = 4;
const TOOL_TIMEOUT_MS = 120_000;
// Profiles whose memberships are read after the backfill, spread evenly over those seeded.
const MEMBERSHIP_SAMPLE = 20;

const run = promisify(execFile);
const benchDir = fileURLToPath(new URL('..', import.meta.url));
const processes = parseProcesses(options.processes);
const silo = processes.find((p) => p.name === 'silo') ?? processes.find((p) => p.name === 'gateway');
const checkpoints = options.checkpoints.split(',').map(Number).sort((a, b) => a - b);
const seedSeconds = Number(options['seed-seconds']);
const settleSeconds = Number(options['settle-seconds']);
const sendora = new Sendora(options.url, options['admin-token']);
const log = (message) => console.error(`[bench] memory (${options.configuration}): ${message}`);
const workspace = 'bench-memory';

function profileMessages(index) {
  const userId = `m-${index}`;
  const traits = Object.fromEntries(Array.from({ length: TRAITS }, (_, t) => [`trait_${t}`, `value ${t} of ${userId}`]));
  const messages = [{ type: 'identify', userId, traits }];
  for (let e = 0; e < EVENTS; e++) {
    messages.push({
      type: 'track', userId, event: 'Product Viewed', messageId: `${userId}-e${e}`,
      properties: { sku: `sku-${e}`, price: 19.5 },
    });
  }

  return messages;
}

async function readStatus(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rssBytes: kilobytes('VmRSS'), privateBytes: kilobytes('RssAnon') };
}

/** Induces a full blocking GC in the silo, then reads its GC heap and private bytes. */
async function snapshot(label, profiles) {
  const directory = await mkdtemp(path.join(tmpdir(), 'sendora-ladder-'));
  try {
    const started = performance.now();
    // Keyword 0x800000 (GCHeapCollect) makes the runtime run a full blocking GC when the session starts;
    // 0x1 (GC) adds the events of that collection.
    await run('dotnet', ['trace', 'collect', '-p', String(silo.pid), '--providers', 'Microsoft-Windows-DotNETRuntime:0x800001:4',
      '--duration', '00:00:00:02', '-o', path.join(directory, 'gc.nettrace')], { cwd: benchDir, timeout: TOOL_TIMEOUT_MS });
    const countersFile = path.join(directory, 'counters.json');
    await run('dotnet', ['counters', 'collect', '-p', String(silo.pid), '--counters', 'System.Runtime',
      '--duration', '00:00:03', '--refresh-interval', '1', '--format', 'json', '-o', countersFile],
    { cwd: benchDir, timeout: TOOL_TIMEOUT_MS });
    const { rssBytes, privateBytes } = await readStatus(silo.pid);
    const events = JSON.parse(await readFile(countersFile, 'utf8')).Events;
    const last = new Map();
    for (const event of events) {
      last.set(`${event.name}|${event.tags}`, event.value);
    }

    const sum = (prefix) => [...last].filter(([key]) => key.startsWith(prefix)).reduce((total, [, value]) => total + value, 0);
    const result = {
      label,
      profiles,
      gcHeapBytes: sum('dotnet.gc.last_collection.heap.size'),
      gcCommittedBytes: sum('dotnet.gc.last_collection.memory.committed_size'),
      privateBytes,
      rssBytes,
      seconds: (performance.now() - started) / 1000,
    };
    log(`${label}: ${profiles} profiles, GC heap ${(result.gcHeapBytes / 2 ** 20).toFixed(0)} MiB, `
      + `private ${(privateBytes / 2 ** 20).toFixed(0)} MiB`);
    return result;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function seedAsync(writeKey, from, to, deadline) {
  const batches = [];
  for (let i = from; i < to; i += PROFILES_PER_BATCH) {
    batches.push([i, Math.min(to, i + PROFILES_PER_BATCH)]);
  }

  let seeded = 0;
  await forEachLimited(batches, BATCHES_IN_FLIGHT, async ([first, end]) => {
    if (performance.now() >= deadline) {
      return;
    }

    const batch = [];
    for (let i = first; i < end; i++) {
      batch.push(...profileMessages(i));
    }

    await sendora.send(writeKey, '/v1/batch', { batch });
    seeded += end - first;
  });
  return seeded;
}

/** Counts how many of an even sample of the seeded profiles list the audience among their memberships. */
async function sampleMembershipsAsync(audienceId, profiles) {
  const sample = Math.min(MEMBERSHIP_SAMPLE, profiles);
  let members = 0;
  for (let s = 0; s < sample; s++) {
    const index = Math.floor((s * profiles) / sample);
    if ((await sendora.memberships(workspace, `user_id:m-${index}`)).includes(audienceId)) {
      members++;
    }
  }

  return { sampled: sample, members };
}

async function timeBackfillAsync(profiles) {
  const condition = { event: 'Product Viewed' };
  const audienceId = 'viewed-a-product';
  const cpu = measureCpu(processes);
  const started = await sendora.createAudience(workspace, audienceId, condition);
  const progress = await sendora.waitForBackfill(workspace, Number(options['backfill-seconds']) * 1000, started.catalogVersion);
  const end = Date.parse(progress.finishedAt ?? progress.polledAt);
  const seconds = (end - Date.parse(progress.startedAt)) / 1000;
  const usage = cpu.stop(progress.profilesEvaluated);
  const sampledMemberships = await sampleMembershipsAsync(audienceId, profiles);
  log(`backfill: ${progress.profilesEvaluated} of ${profiles} profiles in ${seconds.toFixed(1)}s`
    + `${progress.timedOut ? ' (unfinished)' : ''}, ${sampledMemberships.members} of ${sampledMemberships.sampled} sampled profiles are members`);
  return {
    condition,
    profiles,
    finished: !progress.timedOut,
    profilesEvaluated: progress.profilesEvaluated,
    membershipChanges: progress.membershipChanges,
    sampledMemberships,
    seconds,
    profilesPerSecond: progress.profilesEvaluated / seconds,
    cpu: usage,
  };
}

if (!silo) {
  throw new Error('--processes names no silo or gateway process to measure');
}

const startedAt = new Date().toISOString();
const writeKey = await sendora.createWorkspace(workspace);
// One profile first, so that the baseline includes the workspace's grains and a warm gateway.
await sendora.send(writeKey, '/v1/batch', { batch: profileMessages(-1) });
const baseline = await snapshot('baseline', 0);

// The bound covers seeding only; the snapshots between checkpoints are not counted in it.
const seedCpu = measureCpu(processes);
const points = [];
let seeded = 0;
let seedingMs = 0;
for (const checkpoint of checkpoints) {
  log(`seeding up to ${checkpoint.toLocaleString('en-US')} profiles`);
  const before = seeded;
  const segmentStart = performance.now();
  seeded += await seedAsync(writeKey, seeded, checkpoint, segmentStart + seedSeconds * 1000 - seedingMs);
  seedingMs += performance.now() - segmentStart;
  const reached = seeded >= checkpoint;
  const point = await snapshot(reached ? `${checkpoint} profiles` : `the ${seedSeconds}s seeding bound`, seeded);
  points.push({ checkpoint, reached, seedingSeconds: seedingMs / 1000, ...point });
  if (!reached || seeded === before) {
    break;
  }
}

const seeding = {
  profiles: seeded,
  messages: seeded * (1 + EVENTS),
  seconds: seedingMs / 1000,
  profilesPerSecond: seeded / (seedingMs / 1000),
  // Includes the snapshots between checkpoints, during which nothing is seeded.
  cpu: seedCpu.stop(seeded * (1 + EVENTS)),
};
let settled = null;
if (settleSeconds > 0 && seeded > 0) {
  log(`waiting ${settleSeconds} s without messages`);
  await new Promise((resolve) => { setTimeout(resolve, settleSeconds * 1000); });
  settled = { settleSeconds, ...await snapshot(`after ${settleSeconds} s idle`, seeded) };
}

const backfill = await timeBackfillAsync(seeded);

await writeFile(options.output, `${JSON.stringify({
  configuration: options.configuration,
  startedAt,
  finishedAt: new Date().toISOString(),
  siloProcess: silo.name,
  profileShape: { traits: TRAITS, events: EVENTS },
  baseline,
  points,
  settled,
  seeding,
  backfill,
}, null, 2)}\n`);
log(`results written to ${options.output}`);
