// Extra CA certificates, loaded when the first TLS connection is verified
// rather than while node starts. Node reads NODE_EXTRA_CA_CERTS before any
// script runs and builds its whole root store from it and the bundled roots
// there and then: about 40 ms for a system CA bundle, paid by every command,
// most of which never open a TLS connection. So `bin/tsbuild` hands the
// variable on as TSBUILD_EXTRA_CA_CERTS (node does not know that name), the
// launcher puts NODE_EXTRA_CA_CERTS back into the environment tsbuild passes
// on, and HTTPS requests verified by tsbuild use an agent that trusts the
// bundled roots plus that file (extra-ca-agent.ts). This file loads nothing:
// the run path imports it (node:https and node:tls alone cost ~10 ms).

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
