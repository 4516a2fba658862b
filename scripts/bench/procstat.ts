/**
 * CPU accounting from /proc (Linux): a process's utime + stime (all its
 * threads, so LevelDB's and libuv's threads count toward the server), and
 * the machine's busy time from /proc/stat, so the report can show how much
 * CPU other processes on the machine took during a window.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { RUNTIME_THREAD_NAME } from '../../src/runtime/thread-protocol';

let ticks = 100;
try {
  ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* keep the usual 100 */
}

/** utime + stime in ms from a /proc stat file (a process's or one thread's); throws if it cannot be read. */
function statCpuMs(file: string): number {
  const stat = fs.readFileSync(file, 'utf8');
  // The command name (field 2) may hold spaces: fields resume after ")".
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / ticks;
}

/** CPU time used by a process so far, in ms (NaN if it cannot be read). */
export function processCpuMs(pid: number): number {
  try {
    return statCpuMs(`/proc/${pid}/stat`);
  } catch {
    return NaN;
  }
}

export interface ThreadCpu {
  /** The main thread (gRPC). */
  main: number;
  /** The runtime thread (by its name). */
  runtime: number;
  /** Every other thread: V8's GC helpers, LevelDB's compaction, libuv's pool. */
  other: number;
  /**
   * Time the same threads were runnable but waiting for a CPU, in ms
   * (`/proc/<pid>/task/<tid>/schedstat`, second field; NaN without it). On a
   * machine whose cores are all busy, a thread waits about as long as it runs.
   */
  wait: { main: number; runtime: number; other: number };
}

/** Run-queue wait of a thread so far, in ms (NaN if the kernel does not keep it). */
function waitMs(file: string): number {
  try {
    return Number(fs.readFileSync(file, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

/** CPU time of a process's threads so far, in ms, by role (NaN if it cannot be read). */
export function threadCpuMs(pid: number): ThreadCpu {
  const out: ThreadCpu = { main: 0, runtime: 0, other: 0, wait: { main: 0, runtime: 0, other: 0 } };
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      let ms: number;
      let name: string;
      try {
        ms = statCpuMs(`/proc/${pid}/task/${tid}/stat`);
        name = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      } catch {
        continue; // the thread ended meanwhile
      }
      const role = Number(tid) === pid ? 'main' : name === RUNTIME_THREAD_NAME ? 'runtime' : 'other';
      out[role] += ms;
      out.wait[role] += waitMs(`/proc/${pid}/task/${tid}/schedstat`);
    }
    return out;
  } catch {
    return { main: NaN, runtime: NaN, other: NaN, wait: { main: NaN, runtime: NaN, other: NaN } };
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
  /** The threads of the process named in `sample`'s threadsOf. */
  threads?: ThreadCpu;
  machine: { busy: number; total: number };
  self: NodeJS.CpuUsage;
}

export function sample(pids: Record<string, number>, threadsOf?: number): CpuSample {
  const procs: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) procs[name] = processCpuMs(pid);
  return { at: Date.now(), procs, ...(threadsOf ? { threads: threadCpuMs(threadsOf) } : {}), machine: machineCpuMs(), self: process.cpuUsage() };
}

export function cpuCount(): number {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length || 1;
  } catch {
    return 1;
  }
}
