// Prints the figures of `bench/run.sh ladder` as Markdown tables, from the JSON files that
// throughput.mjs (one per rung) and memory.mjs wrote, with each target's verdict.
import { readFile } from 'node:fs/promises';
import os from 'node:os';

const results = await Promise.all(process.argv.slice(2).map(async (file) => JSON.parse(await readFile(file, 'utf8'))));
const rungs = results.filter((r) => r.rung);
const memory = results.find((r) => r.points);
const lines = [];
const count = (value) => (value === null || value === undefined || Number.isNaN(value) ? 'n/a' : Math.round(value).toLocaleString('en-US'));
const fixed1 = (value) => (value === null || value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(1));
const fixed2 = (value) => (value === null || value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(2));
const path = (mode) => (mode === 'batch' ? '/v1/batch' : '/v1/track');
const rungName = (rung) => rung.rung.split(' ')[0];
// Shares under 10% keep one decimal, so that a small share does not print as 0%.
const percent = (share) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

const first = results.map((r) => r.startedAt).sort()[0];
const last = results.map((r) => r.finishedAt).sort().at(-1);
lines.push(`Measured from ${first} to ${last} on ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), `
  + `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB of memory, Node.js ${process.version}.`, '');

const baseline = rungs.find((r) => rungName(r) === 'B0');
const baselineRate = (mode, users) =>
  baseline?.runs.find((run) => run.mode === mode && run.users === users)?.saturation.messagesPerSecond;

lines.push('Saturation (wrk, 200s only) and response times at fixed rates (autocannon). CPU is microseconds per '
  + 'accepted message; "other" is the cores used by programs outside the benchmark during the wrk run.', '');
lines.push('| rung | path | users | messages/s | of B0 | Sendora µs/msg | storage µs/msg | 50%: p50 / p99 ms | '
  + '80%: p50 / p99 ms | non-200 | socket errors | other cores |');
lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const rung of rungs) {
  for (const run of rung.runs) {
    const b0 = baselineRate(run.mode, run.users);
    const share = b0 ? percent(run.saturation.messagesPerSecond / b0) : 'n/a';
    const latency = (share) => {
      const fixed = run.fixedRates.find((f) => f.share === share);
      if (!fixed || fixed.skipped) {
        return 'n/a';
      }

      return `${fixed.latencyMs.p50} / ${fixed.latencyMs.p99}`;
    };
    const fixedErrors = run.fixedRates.reduce((sum, f) => sum + (f.non2xx ?? 0), 0);
    const fixedSocket = run.fixedRates.reduce((sum, f) => sum + (f.errors ?? 0) + (f.timeouts ?? 0), 0);
    lines.push(`| ${rungName(rung)} | ${path(run.mode)} | ${count(run.users)} | ${count(run.saturation.messagesPerSecond)} | ${share} `
      + `| ${fixed1(run.cpu.sendoraMicrosPerMessage)} | ${rung.processes.some((p) => p.role === 'storage') ? fixed1(run.cpu.storageMicrosPerMessage) : '-'} `
      + `| ${latency(0.5)} | ${latency(0.8)} | ${run.saturation.nonOk + fixedErrors} | ${run.saturation.socketErrors + fixedSocket} `
      + `| ${fixed2(run.cpu.otherCores)} |`);
  }
}

lines.push('', 'Achieved rates of the fixed-rate runs (requests/s, target / achieved):', '');
lines.push('| rung | path | users | 50% | 80% |');
lines.push('|---|---|---|---|---|');
for (const rung of rungs) {
  for (const run of rung.runs) {
    const cell = (share) => {
      const fixed = run.fixedRates.find((f) => f.share === share);
      return !fixed || fixed.skipped ? 'n/a' : `${count(fixed.targetRate)} / ${count(fixed.requestsPerSecond)}`;
    };
    lines.push(`| ${rungName(rung)} | ${path(run.mode)} | ${count(run.users)} | ${cell(0.5)} | ${cell(0.8)} |`);
  }
}

lines.push('', 'CPU during each wrk run, in cores: the rung\'s processes, the load generator, and other programs.', '');
lines.push('| rung | path | users | machine | processes | wrk and driver | other |');
lines.push('|---|---|---|---|---|---|---|');
for (const rung of rungs) {
  for (const run of rung.runs) {
    const split = Object.entries(run.cpu.byProcess).map(([name, cores]) => `${name} ${cores.toFixed(2)}`).join(', ');
    lines.push(`| ${rungName(rung)} | ${path(run.mode)} | ${count(run.users)} | ${fixed2(run.cpu.machineCores)} | ${split} `
      + `| ${fixed2(run.cpu.clientCores)} | ${fixed2(run.cpu.otherCores)} |`);
  }
}

const probed = rungs.filter((r) => r.probe);
const unprobed = rungs.filter((r) => !r.probe && rungName(r) !== 'B0').map(rungName);
if (unprobed.length > 0) {
  lines.push('', `The membership probe did not finish on ${unprobed.join(', ')} (failed or out of time; see the logs).`);
}
if (probed.length > 0) {
  lines.push('', 'Event-to-membership latency (ms): the gateway\'s 200 for the crossing track to the SSE `enter`, '
    + 'and the send of the track to the `enter`.', '');
  lines.push('| rung | phase | crossings | enters | 200 to enter p50 | p99 | send to enter p50 | p99 | send to 200 p50 | p99 | other cores |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const rung of probed) {
    for (const [phase, p] of [['idle', rung.probe.idle], [`half load (${count(rung.probe.loaded.background.requestsPerSecond)} tracks/s)`, rung.probe.loaded]]) {
      lines.push(`| ${rungName(rung)} | ${phase} | ${p.crossings} | ${p.entersReceived} | ${fixed1(p.ackToEnterMs.p50)} | ${fixed1(p.ackToEnterMs.p99)} `
        + `| ${fixed1(p.sendToEnterMs.p50)} | ${fixed1(p.sendToEnterMs.p99)} | ${fixed1(p.sendToAckMs.p50)} | ${fixed1(p.sendToAckMs.p99)} `
        + `| ${fixed2(p.cpu.otherCores)} |`);
    }
  }
}

if (memory) {
  const { baseline: base } = memory;
  lines.push('', `Memory per active profile (${memory.profileShape.traits} traits and ${memory.profileShape.events} events each), `
    + `storage ${memory.configuration}, process ${memory.siloProcess}, after a full GC, over a baseline of `
    + `${count(base.gcHeapBytes / 1024)} KB GC heap and ${count(base.privateBytes / 1024)} KB private:`, '');
  lines.push('| point | profiles | seeding seconds | GC heap MiB | private MiB | GC heap bytes/profile | private bytes/profile |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const point of [...memory.points, ...(memory.settled ? [memory.settled] : [])]) {
    const per = (field) => (point.profiles > 0 ? (point[field] - base[field]) / point.profiles : null);
    lines.push(`| ${point.label} | ${count(point.profiles)} | ${fixed1(point.seedingSeconds)} | ${count(point.gcHeapBytes / 2 ** 20)} `
      + `| ${count(point.privateBytes / 2 ** 20)} | ${count(per('gcHeapBytes'))} | ${count(per('privateBytes'))} |`);
  }

  const { seeding, backfill } = memory;
  lines.push('', `Seeding: ${count(seeding.profiles)} profiles (${count(seeding.messages)} messages) in ${fixed1(seeding.seconds)} s, `
    + `${count(seeding.profilesPerSecond)} profiles/s, ${count(seeding.messages / seeding.seconds)} messages/s.`);
  lines.push(`Backfill of \`${JSON.stringify(backfill.condition)}\`: ${count(backfill.profilesEvaluated)} of ${count(backfill.profiles)} profiles, `
    + `${count(backfill.membershipChanges)} membership changes, in ${fixed1(backfill.seconds)} s: `
    + `${count(backfill.profilesPerSecond)} profiles/s${backfill.finished ? '' : ' (unfinished at the time limit)'}.`
    + (backfill.sampledMemberships
      ? ` Afterwards ${backfill.sampledMemberships.members} of ${backfill.sampledMemberships.sampled} sampled profiles were members.`
      : ''));
}

lines.push('', 'Targets:', '');
lines.push('| target | measured | verdict |');
lines.push('|---|---|---|');
const verdict = (value, goal, atLeast = true) => {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return 'not measured';
  }

  const met = atLeast ? value >= goal : value <= goal;
  if (met) {
    return 'met';
  }

  // A minimum is missed by the share not reached; a maximum by how many times over it the value is.
  return atLeast ? `missed: reached ${percent(value / goal)} of it` : `missed: ${(value / goal).toFixed(1)} times the limit`;
};
const best = (name, mode, field) => {
  const rung = rungs.find((r) => rungName(r) === name);
  const runs = rung?.runs.filter((run) => run.mode === mode && run.users === 10_000) ?? [];
  return runs[0] ? field(runs[0]) : null;
};
const rateOf = (run) => run.saturation.messagesPerSecond;
const shareOf = (run) => { const b0 = baselineRate(run.mode, run.users); return b0 ? run.saturation.messagesPerSecond / b0 : null; };
const targets = [
  ['/v1/batch, Redis, 10,000 users: at least 20,000 messages/s', best('B2', 'batch', rateOf), 20_000, count],
  ['/v1/batch, Redis, 10,000 users: at least 25% of B0', best('B2', 'batch', shareOf), 0.25, percent],
  ['/v1/batch, Memory, 10,000 users: at least 50% of B0', best('B1', 'batch', shareOf), 0.5, percent],
  ['/v1/track, Redis, 10,000 users: at least 5,000 messages/s', best('B2', 'track', rateOf), 5_000, count],
];
for (const [name, value, goal, format] of targets) {
  lines.push(`| ${name} | ${value === null ? 'n/a' : format(value)} | ${verdict(value, goal)} |`);
}

// A negative 200-to-enter time means the enter came first, so the send-to-enter time is given too.
for (const rung of probed) {
  const { ackToEnterMs, sendToEnterMs } = rung.probe.loaded;
  lines.push(`| ${rungName(rung)}: 200 to enter p99 at half load under 50 ms | ${fixed1(ackToEnterMs.p99)} ms `
    + `| ${verdict(ackToEnterMs.p99, 50, false)} |`);
  lines.push(`| ${rungName(rung)}: send to enter p99 at half load under 50 ms | ${fixed1(sendToEnterMs.p99)} ms `
    + `| ${verdict(sendToEnterMs.p99, 50, false)} |`);
}

// Both readings are given: right after seeding, when the newest profiles are still unpacked and their Identity
// grains active, and after the settling time.
if (memory) {
  const lastPoint = memory.points.at(-1);
  for (const [point, when] of [[lastPoint, 'right after seeding'], [memory.settled, `after ${memory.settled?.settleSeconds} s idle`]]) {
    if (!point) {
      continue;
    }

    const perProfile = point.profiles > 0 ? (point.privateBytes - memory.baseline.privateBytes) / point.profiles : null;
    lines.push(`| at most 8 KB (8,192 bytes) private memory per active profile, at ${count(point.profiles)} profiles, ${when} `
      + `| ${count(perProfile)} bytes | ${verdict(perProfile, 8192, false)} |`);
  }
}

console.log(lines.join('\n'));
