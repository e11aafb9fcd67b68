// The HTTPS agent for the CA file bin/tsbuild deferred (extra-ca.ts): it
// trusts node's bundled roots plus the certificates in that file, read once,
// when the first verified TLS connection needs it.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';

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
