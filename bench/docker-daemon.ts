// A private Docker 20.10 daemon for bench/build.ts, from Debian's docker.io,
// containerd and tini packages unpacked (dpkg -x) into the bench's own cache
// directory: no package is installed, no system service starts. dockerd runs
// with its socket, data root, exec root, pid file, key file and config in a
// temp dir, no bridge, no iptables, no ip forwarding or masquerading, so it
// creates no docker0, no firewall rules and no state outside that dir (the
// one exception, /run/docker/plugins, is removed again when we created it).
// stop() ends the daemon by its pid and removes everything, also on failure.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export interface DockerDaemon {
  /** argv prefix for the docker CLI talking to this daemon */
  cli: string[];
  env: NodeJS.ProcessEnv;
  version: string;
  stop(): void;
}

const PACKAGES = ['docker.io', 'containerd', 'tini'];

function sh(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** The directory holding usr/sbin/dockerd etc.; unpacks the Debian packages on first use. */
function dockerRoot(log: (line: string) => void): { root: string } | { skip: string } {
  const cache = process.env.TSBUILD_BENCH_DOCKER_DIR ?? path.join(homedir(), '.cache', 'tsbuild-bench', 'docker');
  const root = path.join(cache, 'root');
  if (existsSync(path.join(root, 'usr', 'sbin', 'dockerd'))) return { root };
  if (!onPath('apt-get') || !onPath('dpkg')) return { skip: 'no dockerd unpacked and no apt-get/dpkg to fetch Debian docker.io' };
  if (!onPath('runc')) return { skip: 'dockerd needs runc on PATH' };
  const debs = path.join(cache, 'debs');
  mkdirSync(debs, { recursive: true });
  log(`docker: fetching ${PACKAGES.join(' ')} with apt-get download into ${debs} (unpacked, not installed)`);
  try {
    sh(['apt-get', 'download', ...PACKAGES], { cwd: debs });
    const tmpRoot = `${root}.tmp`;
    rmSync(tmpRoot, { recursive: true, force: true });
    for (const deb of readdirSync(debs).filter((f) => f.endsWith('.deb'))) sh(['dpkg', '-x', path.join(debs, deb), tmpRoot]);
    rmSync(root, { recursive: true, force: true });
    execFileSync('mv', [tmpRoot, root]);
  } catch (e) {
    return { skip: `could not fetch docker.io with apt-get download: ${(e as Error).message.split('\n')[0]}` };
  }
  return { root };
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Start the daemon in `dir` (a fresh temp dir owned by the caller), or say why not. */
export function startDockerDaemon(dir: string, log: (line: string) => void): DockerDaemon | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'dockerd needs root' };
  const found = dockerRoot(log);
  if ('skip' in found) return found;
  const { root } = found;
  const bin = (p: string) => path.join(root, p);
  const sock = path.join(dir, 'docker.sock');
  const pidfile = path.join(dir, 'docker.pid');
  const config = path.join(dir, 'daemon.json');
  // key.json would otherwise go to /etc/docker; the config file also keeps /etc/docker/daemon.json out
  writeFileSync(config, JSON.stringify({ 'deprecated-key-path': path.join(dir, 'key.json') }));
  const runDockerExisted = existsSync('/run/docker');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin('usr/bin')}:${bin('usr/sbin')}:${process.env.PATH ?? ''}`,
    DOCKER_HOST: `unix://${sock}`,
    DOCKER_CONFIG: path.join(dir, 'client'),
    DOCKER_BUILDKIT: '1',
  };
  const argv = [
    '-H', `unix://${sock}`,
    '--config-file', config,
    '--data-root', path.join(dir, 'data'),
    '--exec-root', path.join(dir, 'exec'),
    '--pidfile', pidfile,
    '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false',
    '--storage-driver=overlay2', '--exec-opt', 'native.cgroupdriver=cgroupfs',
    '--containerd-namespace', 'tsbuild-bench', '--containerd-plugins-namespace', 'tsbuild-bench-plugins',
  ];
  const logFile = path.join(dir, 'dockerd.log');
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess | undefined;
  const cli = [bin('usr/bin/docker')];
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    const pids = [child?.pid, existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8')) : undefined].filter(
      (p): p is number => typeof p === 'number' && p > 1,
    );
    // containerd is dockerd's child; dockerd stops it on SIGTERM. Note its pid in case dockerd has to be killed.
    const ctrPidFile = path.join(dir, 'exec', 'containerd', 'containerd.pid');
    if (existsSync(ctrPidFile)) {
      const p = Number(readFileSync(ctrPidFile, 'utf8'));
      if (p > 1) pids.push(p);
    }
    const unique = [...new Set(pids)];
    for (const pid of unique.slice(0, 1)) if (alive(pid)) process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 150 && unique.some(alive); i++) sleep(100);
    for (const pid of unique) if (alive(pid)) process.kill(pid, 'SIGKILL');
    try {
      // lazy-unmount whatever dockerd left mounted under its dir, deepest first
      const mounts = readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .filter((m) => m === dir || m.startsWith(`${dir}/`))
        .sort()
        .reverse();
      for (const m of mounts) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      /* nothing mounted */
    }
    if (!runDockerExisted) {
      for (const d of ['/run/docker/plugins', '/run/docker']) {
        try {
          rmdirSync(d); // only when empty: never remove someone else's state
        } catch {
          /* absent or not empty */
        }
      }
    }
  };
  try {
    child = spawn(bin('usr/sbin/dockerd'), argv, {
      env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    child.unref();
    let version = '';
    for (let i = 0; i < 300 && !version; i++) {
      if (child.exitCode !== null) break;
      try {
        version = sh([...cli, 'version', '--format', '{{.Server.Version}}'], { env }).trim();
      } catch {
        sleep(100);
      }
    }
    if (!version) {
      const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
      stop();
      return { skip: `dockerd did not come up: ${tail}` };
    }
    return { cli, env, version, stop };
  } catch (e) {
    stop();
    return { skip: `dockerd failed to start: ${(e as Error).message}` };
  }
}
