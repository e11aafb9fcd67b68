// Published ports through a userspace proxy in the tsbuild process (like
// docker-proxy): a TCP server or UDP socket on HOSTIP:HOSTPORT relaying to
// CONTAINERIP:PORT. Bound before the container starts, so a port in use
// fails the run early; closed when the container ends.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { TsbuildError } from '../../errors.js';
import type { PortMapping } from './options.js';

export interface PortProxies {
  /** the mappings with the host ports actually bound (random ones filled in) */
  ports: PortMapping[];
  close(): Promise<void>;
}

const UDP_IDLE_MS = 30_000;

function describe(m: PortMapping): string {
  return `-p ${m.hostIp}:${m.hostPort || ''}:${m.containerPort}/${m.protocol}`;
}

function bindError(m: PortMapping, err: unknown): TsbuildError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'EADDRINUSE' ? 'the address is already in use' : (err as Error).message;
  return new TsbuildError('runtime', 'PORT_BIND', `${describe(m)}: cannot bind ${m.hostIp}:${m.hostPort}: ${why}`, { cause: err });
}

function tcpProxy(m: PortMapping, target: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: target, port: m.containerPort });
    sockets.add(client);
    sockets.add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(bindError(m, err)));
    server.listen({ host: m.hostIp, port: m.hostPort, exclusive: true }, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : m.hostPort,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

function udpProxy(m: PortMapping, target: string): Promise<{ port: number; close(): Promise<void> }> {
  const sock: UdpSocket = createSocket('udp4');
  const flows = new Map<string, { up: UdpSocket; timer: NodeJS.Timeout }>();
  sock.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let flow = flows.get(key);
    if (!flow) {
      const up = createSocket('udp4');
      up.on('message', (reply) => sock.send(reply, from.port, from.address));
      up.on('error', () => undefined);
      flow = { up, timer: setTimeout(() => undefined, 0) };
      flows.set(key, flow);
    }
    clearTimeout(flow.timer);
    const f = flow;
    f.timer = setTimeout(() => {
      f.up.close();
      flows.delete(key);
    }, UDP_IDLE_MS);
    f.timer.unref();
    f.up.send(msg, m.containerPort, target);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', (err) => reject(bindError(m, err)));
    sock.bind({ address: m.hostIp, port: m.hostPort, exclusive: true }, () => {
      sock.removeAllListeners('error');
      sock.on('error', () => undefined);
      resolve({
        port: sock.address().port,
        close: async () => {
          for (const f of flows.values()) {
            clearTimeout(f.timer);
            f.up.close();
          }
          flows.clear();
          await new Promise<void>((r) => sock.close(() => r()));
        },
      });
    });
  });
}

/** binds every mapping (all or nothing) and relays to TARGET (the container's address) */
export async function startPortProxies(mappings: readonly PortMapping[], target: string): Promise<PortProxies> {
  const started: { port: number; close(): Promise<void> }[] = [];
  const ports: PortMapping[] = [];
  const closeAll = async () => {
    await Promise.all(started.map((s) => s.close()));
  };
  try {
    for (const m of mappings) {
      const p = await (m.protocol === 'tcp' ? tcpProxy(m, target) : udpProxy(m, target));
      started.push(p);
      ports.push({ ...m, hostPort: p.port });
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { ports, close: closeAll };
}
