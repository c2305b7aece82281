// CPU accounting for `bench/run.sh ladder`: the rung's own processes (Sendora's gateway and silo,
// or the baseline) and its storage server apart, the load generators that this process ran, and
// every other program, from /proc.
import { performance } from 'node:perf_hooks';
import { cpuCount, machineTicks, processTicks, selfAndChildrenTicks, ticksPerSecond } from '../lib/cpu.mjs';

/** Parses "ROLE:NAME=PID ..." where ROLE is sendora or storage. */
export function parseProcesses(text) {
  return text.split(/\s+/).filter(Boolean).map((item) => {
    const match = /^(sendora|storage):([\w.-]+)=(\d+)$/.exec(item);
    if (!match) {
      throw new Error(`invalid process '${item}': expected ROLE:NAME=PID with ROLE sendora or storage`);
    }

    return { role: match[1], name: match[2], pid: Number(match[3]) };
  });
}

/**
 * Starts measuring. `stop(messages)` returns the average cores used over the interval by the
 * machine, by each process, by the rung's processes of each role, by this process and the children
 * it has waited for (the load generators), and by everything else; with the CPU microseconds per
 * accepted message of each role.
 */
export function measureCpu(processes) {
  const startedAt = performance.now();
  const machine = machineTicks();
  const before = processes.map(({ pid }) => processTicks(pid));
  const clients = selfAndChildrenTicks();
  return {
    stop(messages) {
      const seconds = (performance.now() - startedAt) / 1000;
      const machineNow = machineTicks();
      const machineCores = ((machineNow.busy - machine.busy) / (machineNow.total - machine.total)) * cpuCount();
      const cpuSeconds = processes.map(({ pid }, i) => (processTicks(pid) - before[i]) / ticksPerSecond);
      const byProcess = Object.fromEntries(processes.map(({ name }, i) => [name, cpuSeconds[i] / seconds]));
      const roleSeconds = (role) => processes.reduce((sum, p, i) => sum + (p.role === role ? cpuSeconds[i] : 0), 0);
      const sendoraSeconds = roleSeconds('sendora');
      const storageSeconds = roleSeconds('storage');
      const clientCores = (selfAndChildrenTicks() - clients) / ticksPerSecond / seconds;
      const perMessage = (cpu) => (messages > 0 ? (cpu * 1e6) / messages : null);
      return {
        seconds,
        machineCores,
        byProcess,
        sendoraCores: sendoraSeconds / seconds,
        storageCores: storageSeconds / seconds,
        clientCores,
        otherCores: Math.max(0, machineCores - (sendoraSeconds + storageSeconds) / seconds - clientCores),
        sendoraMicrosPerMessage: perMessage(sendoraSeconds),
        storageMicrosPerMessage: perMessage(storageSeconds),
      };
    },
  };
}
