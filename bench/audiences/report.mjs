// Prints the figures of `bench/run.sh audiences` as Markdown tables, from the JSON files that
// driver.mjs wrote, one file per configuration.
import { readFile } from 'node:fs/promises';
import os from 'node:os';

const results = await Promise.all(process.argv.slice(2).map(async (file) => JSON.parse(await readFile(file, 'utf8'))));
const ms = (value) => (value === undefined ? 'n/a' : value.toFixed(1));
const rate = (value) => Math.round(value).toLocaleString('en-US');
const lines = [];

lines.push(`Measured ${results[0]?.measuredAt ?? ''} on ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), `
  + `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB of memory, Node.js ${process.version}.`, '');

lines.push('Event-to-membership latency (ms): the gateway\'s 200 for the crossing track to the SSE `enter`, and the send of the track to the `enter`.', '');
lines.push('| configuration | phase | crossings | enters | 200 to enter p50 | p90 | p99 | max | send to enter p50 | p90 | p99 | max | send to 200 p50 | p99 |');
lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const result of results) {
  for (const phase of ['idle', 'loaded']) {
    const p = result[phase];
    const a = p.ackToEnterMs;
    const s = p.sendToEnterMs;
    lines.push(`| ${result.configuration} | ${phase === 'idle' ? 'idle' : 'half load'} | ${p.crossings} | ${p.entersReceived} `
      + `| ${ms(a.p50)} | ${ms(a.p90)} | ${ms(a.p99)} | ${ms(a.max)} `
      + `| ${ms(s.p50)} | ${ms(s.p90)} | ${ms(s.p99)} | ${ms(s.max)} `
      + `| ${ms(p.sendToAckMs.p50)} | ${ms(p.sendToAckMs.p99)} |`);
  }
}

lines.push('', 'Where the send-to-enter time goes (ms, wall clock to 1 ms): send to the profile\'s decision (`at` of the change), then decision to the SSE client.', '');
lines.push('| configuration | phase | send to decision p50 | p99 | decision to enter p50 | p99 |');
lines.push('|---|---|---|---|---|---|');
for (const result of results) {
  for (const phase of ['idle', 'loaded']) {
    const p = result[phase];
    lines.push(`| ${result.configuration} | ${phase === 'idle' ? 'idle' : 'half load'} | ${ms(p.sendToDecidedMs.p50)} | ${ms(p.sendToDecidedMs.p99)} `
      + `| ${ms(p.decidedToEnterMs.p50)} | ${ms(p.decidedToEnterMs.p99)} |`);
  }
}

lines.push('', 'Half load over idle, and the 50 ms p99 target at half load:', '');
lines.push('| configuration | p99 ratio, 200 to enter | p99 ratio, send to enter | p99 200 to enter at half load | p99 send to enter at half load |');
lines.push('|---|---|---|---|---|');
for (const result of results) {
  const verdict = (value) => `${ms(value)} (${value <= 50 ? 'met' : `missed by ${ms(value - 50)}`})`;
  // Near zero or below, the 200-to-enter time has no meaningful ratio: the enter came before the 200.
  const ratio = (loaded, idle) => (idle > 1 ? (loaded / idle).toFixed(2) : 'n/a');
  lines.push(`| ${result.configuration} | ${ratio(result.loaded.ackToEnterMs.p99, result.idle.ackToEnterMs.p99)} `
    + `| ${ratio(result.loaded.sendToEnterMs.p99, result.idle.sendToEnterMs.p99)} `
    + `| ${verdict(result.loaded.ackToEnterMs.p99)} | ${verdict(result.loaded.sendToEnterMs.p99)} |`);
}

lines.push('', 'Ingest (autocannon; 10 s per run, each track or batch item for a random one of 500 existing profiles):', '');
lines.push('| configuration | run | connections | target rate | requests/s | events/s | latency p50 | p99 | non-2xx | errors |');
lines.push('|---|---|---|---|---|---|---|---|---|---|');
for (const result of results) {
  const runs = [['/v1/track saturation', result.ingest.track], ['/v1/batch of 100, saturation', result.ingest.batch],
    ['/v1/track at half rate', result.loaded.background]];
  for (const [name, run] of runs) {
    lines.push(`| ${result.configuration} | ${name} | ${run.connections} | ${run.targetRate ?? '-'} | ${rate(run.requestsPerSecond)} `
      + `| ${rate(run.eventsPerSecond)} | ${run.latencyMs.p50} | ${run.latencyMs.p99} | ${run.non2xx} | ${run.errors} |`);
  }
}

lines.push('', 'Backfill (profiles active in memory, seeded just before):', '');
lines.push('| configuration | audience | profiles | membership changes | seconds | profiles/s | finished |');
lines.push('|---|---|---|---|---|---|---|');
for (const result of results) {
  const { seeded, nobody, everyone } = result.backfill;
  lines.push(`| ${result.configuration} | seeding by /v1/batch (new profiles) | ${seeded.profiles} | - | ${seeded.seconds.toFixed(1)} | ${rate(seeded.profilesPerSecond)} | yes |`);
  for (const run of [nobody, everyone]) {
    lines.push(`| ${result.configuration} | \`${JSON.stringify(run.condition)}\` | ${run.profilesEvaluated} | ${run.membershipChanges} `
      + `| ${run.seconds.toFixed(1)} | ${rate(run.profilesPerSecond)} | ${run.finished ? 'yes' : 'no'} |`);
  }
}

lines.push('', 'CPU during each phase, in cores of the machine (Sendora: Azurite, silo and gateway; clients: this benchmark\'s Node processes; other: every other program):', '');
lines.push('| configuration | phase | seconds | machine | Sendora | of which | clients | other |');
lines.push('|---|---|---|---|---|---|---|---|');
for (const result of results) {
  const phases = [['before start', result.beforeStart], ...Object.entries(result.cpu ?? {})];
  for (const [phase, use] of phases) {
    const split = Object.entries(use.byProcess ?? {}).map(([name, cores]) => `${name} ${cores.toFixed(2)}`).join(', ');
    lines.push(`| ${result.configuration} | ${phase} | ${use.seconds.toFixed(1)} | ${use.machineCores.toFixed(2)} | ${use.sendoraCores.toFixed(2)} `
      + `| ${split} | ${use.clientCores.toFixed(2)} | ${use.otherCores.toFixed(2)} |`);
  }
}

for (const result of results) {
  if (result.retriedRequests > 0) {
    lines.push('', `${result.configuration}: ${result.retriedRequests} requests of the probe, priming or seeding were retried after a 503.`);
  }

  if (result.primingEvents > 0 || result.unexpectedEvents > 0) {
    lines.push('', `${result.configuration}: ${result.primingEvents} SSE events during priming and ${result.unexpectedEvents} unmatched during the probes.`);
  }
}

console.log(lines.join('\n'));
