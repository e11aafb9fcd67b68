// pause/unpause (the freezer), stats and top of a container, through its
// cgroup (src/runtime/cgroups): the handle comes from the life-cycle record or
// the host-wide cgroup record. Processes are those in the cgroup's
// cgroup.procs, described from /proc — never by scraping ps.
import { readFileSync } from 'node:fs';
import { TsbuildError } from '../../errors.js';
import { cgroupPids, freeze, readStats, thaw, type CgroupStats } from '../cgroups/control.js';
import type { CgroupHandle } from '../cgroups/handle.js';
import { readCgroupRecord } from '../cgroups/records.js';
import type { ContainerView } from './lookup.js';
import { updateRecord } from './record.js';

export async function cgroupOf(v: ContainerView): Promise<CgroupHandle> {
  const h = v.record?.cgroup ?? (await readCgroupRecord(v.id))?.handle;
  if (!h) throw new TsbuildError('runtime', 'NO_CGROUP', `container ${v.id.slice(0, 12)} has no cgroup`);
  return h;
}

function mustRun(v: ContainerView): void {
  if (!v.running) throw new TsbuildError('runtime', 'NOT_RUNNING', `container ${v.id.slice(0, 12)} is not running`);
}

export async function pauseContainer(v: ContainerView): Promise<void> {
  mustRun(v);
  if (v.record?.paused) throw new TsbuildError('runtime', 'ALREADY_PAUSED', `container ${v.id.slice(0, 12)} is already paused`);
  await freeze(await cgroupOf(v));
  updateRecord(v.dir, { paused: true });
}

export async function unpauseContainer(v: ContainerView): Promise<void> {
  mustRun(v);
  if (!v.record?.paused) throw new TsbuildError('runtime', 'NOT_PAUSED', `container ${v.id.slice(0, 12)} is not paused`);
  await thaw(await cgroupOf(v));
  updateRecord(v.dir, { paused: false });
}

export interface StatsSample {
  at: number;
  stats: CgroupStats;
}

export async function sampleStats(v: ContainerView): Promise<StatsSample> {
  return { at: Date.now(), stats: await readStats(await cgroupOf(v)) };
}

/** CPU % of one CPU between two samples (pure) */
export function cpuPercent(a: StatsSample, b: StatsSample): number {
  const dt = (b.at - a.at) * 1e6;
  if (dt <= 0 || a.stats.cpuUsageNs === undefined || b.stats.cpuUsageNs === undefined) return 0;
  return ((b.stats.cpuUsageNs - a.stats.cpuUsageNs) / dt) * 100;
}

/** Docker's units.BytesSize: 1.5MiB */
export function bytesSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number(n.toFixed(2))}${units[i]}`;
}

export interface ProcessInfo {
  uid: number;
  pid: number;
  ppid: number;
  /** utime + stime, clock ticks */
  cpuTicks: number;
  cmd: string;
}

/** one process from /proc (undefined when it is gone) */
export function processInfo(pid: number, proc = '/proc'): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`${proc}/${pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    const cmdline = readFileSync(`${proc}/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '').join(' ');
    return { uid, pid, ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]), cmd: cmdline || `[${comm}]` };
  } catch {
    return undefined;
  }
}

export async function containerProcesses(v: ContainerView): Promise<ProcessInfo[]> {
  mustRun(v);
  const pids = (await cgroupPids(await cgroupOf(v))).sort((a, b) => a - b);
  return pids.map((p) => processInfo(p)).filter((p): p is ProcessInfo => p !== undefined);
}

function cpuTime(ticks: number): string {
  const s = Math.floor(ticks / 100);
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  return `${hh}:${mm}:${String(s % 60).padStart(2, '0')}`;
}

/** `top`'s table (host pids, as Docker shows them) */
export function topTable(ps: readonly ProcessInfo[]): string {
  const rows = [['UID', 'PID', 'PPID', 'TIME', 'CMD'], ...ps.map((p) => [String(p.uid), String(p.pid), String(p.ppid), cpuTime(p.cpuTicks), p.cmd])];
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows.map((r) => r.map((c, i) => (i < 4 ? c.padEnd((w[i] as number) + 4) : c)).join('')).join('\n') + '\n';
}
