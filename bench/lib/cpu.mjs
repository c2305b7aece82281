// CPU accounting from /proc, so that each benchmark figure comes with how busy the machine was and
// how much of that was Sendora, the benchmark's own clients, or other programs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** Busy and total jiffies of all CPUs together, from the first line of /proc/stat. */
export function machineTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

// The fields of /proc/PID/stat after the command name, so that fields[0] is field 3 (state).
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User and system jiffies (utime + stime) of one process, or 0 once it has exited. */
export function processTicks(pid) {
  try {
    const fields = statFields(pid);
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * Jiffies of this process together with the child processes it has waited for (utime, stime,
 * cutime and cstime): a load generator that ran as a child and exited is counted here.
 */
export function selfAndChildrenTicks() {
  const fields = statFields('self');
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}

export function cpuCount() {
  return readFileSync('/proc/stat', 'utf8').split('\n').filter((line) => /^cpu\d+ /.test(line)).length;
}

/**
 * Starts measuring. `processes` are Sendora's, as { name, pid }. `stop(extraClientSeconds)` returns the
 * phase's wall seconds and the average number of cores used by the whole machine, by Sendora's processes
 * (in all and by name), by this process together with `extraClientSeconds` of its child processes, and
 * by everything else.
 */
export function startCpuMeasurement(processes) {
  const startedAt = performance.now();
  const machine = machineTicks();
  const before = processes.map(({ pid }) => processTicks(pid));
  const self = process.cpuUsage();
  return {
    stop(extraClientSeconds = 0) {
      const seconds = (performance.now() - startedAt) / 1000;
      const machineNow = machineTicks();
      const machineCores = ((machineNow.busy - machine.busy) / (machineNow.total - machine.total)) * cpuCount();
      const byProcess = Object.fromEntries(processes.map(({ name, pid }, i) =>
        [name, (processTicks(pid) - before[i]) / ticksPerSecond / seconds]));
      const sendoraCores = Object.values(byProcess).reduce((sum, cores) => sum + cores, 0);
      const used = process.cpuUsage(self);
      const clientCores = ((used.user + used.system) / 1e6 + extraClientSeconds) / seconds;
      return {
        seconds,
        machineCores,
        sendoraCores,
        byProcess,
        clientCores,
        otherCores: Math.max(0, machineCores - sendoraCores - clientCores),
      };
    },
  };
}
