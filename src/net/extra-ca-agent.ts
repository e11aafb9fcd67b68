// The HTTPS agent for the CA file bin/tsbuild deferred (extra-ca.ts): it
// trusts what node trusts by default (its bundled roots, or the system store
// with --use-openssl-ca) plus the certificates in that file, read once, when
// the first verified TLS connection needs it.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';

const agents = new Map<string, https.Agent | null>();

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * A keep-alive agent that verifies against node's default store plus the PEM
 * certificates in `file`; undefined (node's defaults) when the file cannot be
 * read or holds no certificate, after the warning node itself gives then.
 */
export function extraCaAgent(file: string, warn: (line: string) => void = (l) => void process.stderr.write(l)): https.Agent | undefined {
  let agent = agents.get(file);
  if (agent === undefined) {
    agent = null;
    try {
      const pems = readFileSync(file, 'utf8').match(PEM_CERTIFICATE) ?? [];
      if (pems.length === 0) throw new Error('no PEM certificate in the file');
      // `ca:` would replace the default store; adding to it is what node does with NODE_EXTRA_CA_CERTS
      const secureContext = tls.createSecureContext();
      const native = secureContext.context as { addCACert(pem: string): void };
      for (const pem of pems) native.addCACert(pem);
      agent = new https.Agent({ keepAlive: true, secureContext });
    } catch (err) {
      warn(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}\n`);
    }
    agents.set(file, agent);
  }
  return agent ?? undefined;
}
