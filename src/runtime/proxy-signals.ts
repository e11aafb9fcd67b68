// The signals tsbuild passes on to the container it is attached to (`run`,
// `start -a`), as Docker's --sig-proxy does: while attached, tsbuild handles
// each of them by handing it on instead of dying of it.
const PROXIED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

/** handles the proxied signals with `forward`; returns what removes the handlers */
export function proxySignals(forward: (sig: NodeJS.Signals) => void): () => void {
  const handlers = PROXIED.map((sig) => {
    const h = (): void => forward(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}
