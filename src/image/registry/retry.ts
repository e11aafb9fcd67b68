// When to try a request again: a pure decision from the attempt number and
// what happened (an HTTP status or a network error), with exponential
// backoff and jitter supplied by the caller so tests are exact.

export interface RetryPolicy {
  /** attempts in all, the first one included */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

export type Outcome = { status: number; retryAfter?: string | null } | { networkError: string };

/** Error codes of a dropped or refused connection (undici puts them on err.cause.code). */
const retryableNetworkCodes = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);

export function isRetryableNetworkCode(code: string): boolean {
  return retryableNetworkCodes.has(code);
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * Returns the delay before the next attempt, or undefined to give up.
 * `attempt` is the 1-based number of the attempt that just failed; `random` in [0,1).
 */
export function nextDelay(policy: RetryPolicy, attempt: number, outcome: Outcome, random = 0.5): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  if ('status' in outcome) {
    if (!isRetryableStatus(outcome.status)) return undefined;
    const after = parseRetryAfter(outcome.retryAfter);
    if (after !== undefined) return Math.min(after, policy.maxDelayMs);
  } else if (!isRetryableNetworkCode(outcome.networkError)) {
    return undefined;
  }
  const exp = policy.baseDelayMs * 2 ** (attempt - 1);
  // full jitter between half and the whole of the exponential step
  return Math.min(policy.maxDelayMs, Math.round(exp * (0.5 + random / 2)));
}

/** Retry-After in seconds (dates are not honoured: the backoff applies). */
export function parseRetryAfter(v: string | null | undefined): number | undefined {
  if (v == null) return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
}
