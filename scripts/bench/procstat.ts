/**
 * CPU accounting from /proc (Linux): a process's utime + stime (all its
 * threads, so LevelDB's and libuv's threads count toward the server), and
 * the machine's busy time from /proc/stat, so the report can show how much
 * CPU other processes on the machine took during a window.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

let ticks = 100;
try {
  ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* keep the usual 100 */
}

/** CPU time used by a process so far, in ms (NaN if it cannot be read). */
export function processCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields resume after ")".
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return ((utime + stime) * 1000) / ticks;
  } catch {
    return NaN;
  }
}

/** Machine CPU time so far, in ms summed over all CPUs: busy and total. */
export function machineCpuMs(): { busy: number; total: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy: (busy * 1000) / ticks, total: ((busy + idle + iowait) * 1000) / ticks };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

export interface CpuSample {
  at: number;
  procs: Record<string, number>;
  machine: { busy: number; total: number };
  self: NodeJS.CpuUsage;
}

export function sample(pids: Record<string, number>): CpuSample {
  const procs: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) procs[name] = processCpuMs(pid);
  return { at: Date.now(), procs, machine: machineCpuMs(), self: process.cpuUsage() };
}

export function cpuCount(): number {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length || 1;
  } catch {
    return 1;
  }
}
