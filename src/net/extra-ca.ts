// Extra CA certificates, loaded when the first TLS connection is verified
// rather than while node starts. Node reads NODE_EXTRA_CA_CERTS before any
// script runs and builds its whole root store from it and the bundled roots
// there and then: about 40 ms for a system CA bundle, paid by every command,
// most of which never open a TLS connection. So `bin/tsbuild` hands the
// variable on as TSBUILD_EXTRA_CA_CERTS (node does not know that name), the
// launcher puts NODE_EXTRA_CA_CERTS back into the environment tsbuild passes
// on, and HTTPS requests verified by tsbuild use an agent that trusts the
// bundled roots plus that file (src/image/registry/transport.ts).
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';

/** the name under which bin/tsbuild hands NODE_EXTRA_CA_CERTS on */
export const DEFERRED_CA_VAR = 'TSBUILD_EXTRA_CA_CERTS';

/**
 * The environment for a node child of tsbuild (the detached monitor): the
 * extra CA file moved aside as bin/tsbuild does, so that the child starts
 * without loading it.
 */
export function deferExtraCa(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return env;
  const out: NodeJS.ProcessEnv = { ...env, [DEFERRED_CA_VAR]: file };
  delete out.NODE_EXTRA_CA_CERTS;
  return out;
}

/** the file node did not load: handed on by bin/tsbuild (or deferExtraCa) */
export function deferredCaFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[DEFERRED_CA_VAR] || undefined;
}

const agents = new Map<string, https.Agent | null>();

/**
 * A keep-alive agent that verifies against node's bundled roots plus the PEM
 * certificates in `file`; undefined (node's defaults) when the file cannot be
 * read, after the warning node itself gives in that case.
 */
export function extraCaAgent(file: string, warn: (line: string) => void = (l) => void process.stderr.write(l)): https.Agent | undefined {
  let agent = agents.get(file);
  if (agent === undefined) {
    try {
      agent = new https.Agent({ keepAlive: true, ca: [...tls.rootCertificates, readFileSync(file, 'utf8')] });
    } catch (err) {
      warn(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}\n`);
      agent = null;
    }
    agents.set(file, agent);
  }
  return agent ?? undefined;
}
