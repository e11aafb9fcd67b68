// What `ps` and `inspect` show for a container (pure: views + now → text/JSON).
import type { PortMapping } from '../network/options.js';
import type { ContainerView } from './lookup.js';

/** Docker's units.HumanDuration */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(m / 60);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  const d = Math.floor(h / 24);
  if (d < 14) return `${d} days`;
  if (d < 90) return `${Math.floor(d / 7)} weeks`;
  if (d < 730) return `${Math.floor(d / 30)} months`;
  return `${Math.floor(d / 365)} years`;
}

export type DockerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited';

export function dockerStatus(v: ContainerView): DockerStatus {
  if (v.running) return v.record?.paused ? 'paused' : 'running';
  // between restart's stop and its start
  if (v.record?.restarting) return 'restarting';
  // as Docker's: a container whose command never ran (not found, not executable) stays "created"
  if (v.state.status === 'exited' && v.record !== undefined && v.record.startedAt === undefined && v.state.exitStatus !== undefined) return 'created';
  return v.state.status === 'created' ? 'created' : 'exited';
}

export function exitCodeOf(v: ContainerView): number {
  if (v.running) return 0;
  if (v.state.status === 'created' || dockerStatus(v) === 'created') return v.state.exitStatus ?? 0;
  // no status recorded: the reclaimer killed it (SIGKILL)
  return v.state.exitStatus ?? 137;
}

export function statusText(v: ContainerView, now: number): string {
  const st = dockerStatus(v);
  if (st === 'created') return 'Created';
  if (st === 'restarting') {
    const at = v.record?.finishedAt ? Date.parse(v.record.finishedAt) : undefined;
    return `Restarting (${exitCodeOf(v)}) ${at === undefined ? 'Less than a second' : humanDuration(now - at)} ago`;
  }
  if (st === 'running' || st === 'paused') {
    const since = Date.parse(v.record?.startedAt ?? v.state.createdAt);
    return `Up ${humanDuration(now - since)}${st === 'paused' ? ' (Paused)' : ''}`;
  }
  const at = v.record?.finishedAt ? Date.parse(v.record.finishedAt) : undefined;
  return `Exited (${exitCodeOf(v)}) ${at === undefined ? 'a while' : humanDuration(now - at)} ago`;
}

export function portsText(ports: readonly PortMapping[]): string {
  return ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', ');
}

export function commandText(argv: readonly string[], full: boolean): string {
  const text = argv.join(' ');
  return JSON.stringify(full || text.length <= 20 ? text : `${text.slice(0, 19)}…`);
}

export function containerName(v: ContainerView): string {
  return v.record?.name ?? v.state.name ?? v.id.slice(0, 12);
}

export interface PsRow {
  ID: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  Status: string;
  State: DockerStatus;
  Ports: string;
  Names: string;
}

export function psRow(v: ContainerView, now: number, full = false): PsRow {
  return {
    ID: full ? v.id : v.id.slice(0, 12),
    Image: v.state.image,
    Command: commandText(v.record?.argv ?? [], full),
    CreatedAt: v.state.createdAt,
    RunningFor: `${humanDuration(now - Date.parse(v.state.createdAt))} ago`,
    Status: statusText(v, now),
    State: dockerStatus(v),
    Ports: portsText(v.record?.network?.ports ?? []),
    Names: containerName(v),
  };
}

/** columns padded like Docker's tabwriter (3 spaces apart), NAMES last */
export function psTable(rows: readonly PsRow[]): string {
  const head = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'];
  const cells = rows.map((r) => [r.ID, r.Image, r.Command, r.RunningFor, r.Status, r.Ports, r.Names]);
  const all = [head, ...cells];
  const widths = head.map((_, i) => Math.max(...all.map((c) => (c[i] as string).length)));
  return all.map((c) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd((widths[i] as number) + 3))).join('')).join('\n') + '\n';
}

/** Docker's container inspect shape (the parts tsbuild knows) */
export function inspectContainer(v: ContainerView): Record<string, unknown> {
  const st = dockerStatus(v);
  const r = v.record;
  const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of r?.network?.ports ?? []) (ports[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  return {
    Id: v.id,
    Created: v.state.createdAt,
    Path: r?.argv[0] ?? '',
    Args: r?.argv.slice(1) ?? [],
    State: {
      Status: st,
      // as Docker's: a restarting container counts as running
      Running: st === 'running' || st === 'paused' || st === 'restarting',
      Paused: st === 'paused',
      Restarting: st === 'restarting',
      OOMKilled: v.state.oomKilled === true,
      Dead: false,
      Pid: v.running ? (v.state.pid1 ?? 0) : 0,
      ExitCode: exitCodeOf(v),
      Error: '',
      StartedAt: r?.startedAt ?? '0001-01-01T00:00:00Z',
      FinishedAt: r?.finishedAt ?? '0001-01-01T00:00:00Z',
    },
    Image: v.state.image,
    Name: `/${containerName(v)}`,
    // Docker counts restart-policy restarts only (a manual start/restart resets it); tsbuild has no policies
    RestartCount: 0,
    HostConfig: { AutoRemove: v.state.rm, NetworkMode: r?.network?.mode ?? 'default' },
    GraphDriver: { Name: v.state.paths.upper ? 'overlay2' : 'vfs', Data: { MergedDir: v.state.paths.merged, ...(v.state.paths.upper ? { UpperDir: v.state.paths.upper, WorkDir: v.state.paths.work } : {}) } },
    Config: {
      Hostname: r?.hostname ?? '',
      Env: r?.exec?.env ?? [],
      Cmd: r?.argv ?? [],
      Image: v.state.image,
      WorkingDir: r?.exec?.cwd ?? '/',
      User: r?.exec ? `${r.exec.uid}:${r.exec.gid}` : '',
      StopSignal: r?.stopSignal ?? 'SIGTERM',
    },
    NetworkSettings: {
      IPAddress: r?.network?.ip ?? '',
      Gateway: r?.network?.gateway ?? '',
      Ports: ports,
    },
  };
}
