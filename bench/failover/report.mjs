// Prints the figures of `bench/run.sh failover` as a Markdown table, from the JSON file that
// driver.mjs wrote.
import { readFile } from 'node:fs/promises';
import os from 'node:os';

const result = JSON.parse(await readFile(process.argv[2], 'utf8'));
const seconds = (value) => (value === null ? 'not reached' : `${value.toFixed(1)} s`);
const ms = (value) => (value === undefined ? 'n/a' : value.toFixed(0));
const c = result.counts;
const lines = [];

lines.push(`Measured ${result.measuredAt} on ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), `
  + `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB of memory, Node.js ${process.version}: ${result.senders} senders `
  + `over ${result.profiles} profiles, ${result.beforeSeconds} s before the kill and ${result.afterSeconds} s after it.`, '');
lines.push('| figure | value |', '|---|---|');
lines.push(`| steady rate before the kill | ${result.steadyOkPerSecond.toFixed(0)} requests/s answered 200, ${result.steadyFailures} failed |`);
lines.push(`| kill to the last failed attempt | ${seconds(result.failuresEndedAfterSeconds)} |`);
lines.push(`| kill to success rate and throughput back to steady | ${result.recoveredAfterSeconds === null ? 'not reached' : `${result.recoveredAfterSeconds} s (1 s buckets)`} |`);
lines.push(`| kill to membership declaring the silo dead | ${seconds(result.declaredDeadAfterSeconds)} |`);
lines.push(`| attempts answered 200 | ${c.ok} |`);
lines.push(`| attempts answered 503 (with Retry-After) | ${c.unavailable} (${c.unavailable - c.unavailableWithoutRetryAfter}) |`);
lines.push(`| other statuses | ${c.otherStatus}${c.otherStatus ? ` ${JSON.stringify(result.otherStatuses)}` : ''} |`);
lines.push(`| network errors, client timeouts (30 s) | ${c.networkError}, ${c.timeout} |`);
lines.push(`| messages given up after 60 s of retries | ${result.abandonedMessages} |`);
const l = result.latencyAfterKillMs;
lines.push(`| attempt latency after the kill, p50 / p99 / max | ${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.max)} ms |`);
lines.push('', `200s per second before the kill: ${result.okPerSecondBeforeKill.join(' ')}`);
lines.push('', `200s per second after the kill: ${result.okPerSecondAfterKill.join(' ')}`);
lines.push('', `failed attempts per second after the kill: ${result.failedPerSecondAfterKill.join(' ')}`);
console.log(lines.join('\n'));
