import type { UploadAttempt } from '../records/types';

/**
 * When to try an upload again, and after how long: full-jitter exponential backoff, a timeout
 * per attempt, a deadline overall (docs/upload.md). The policy is pure; the clock and the
 * random source are passed in, so tests check the delays without waiting for them.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseMs: number;
  capMs: number;
  timeoutMs: number;
  deadlineMs: number;
}

/** What one attempt came to. `detail` is what a person reads: `503 Slow Down`, `ECONNRESET`. */
export type AttemptOutcome =
  { ok: true; status?: number } | { ok: false; status?: number; code?: string; detail: string; retryAfterMs?: number; retryable?: boolean };

export type FailedOutcome = Extract<AttemptOutcome, { ok: false }>;

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((done) => {
      if (signal?.aborted) return done();
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        done();
      }
      signal?.addEventListener('abort', finish, { once: true });
    }),
};

/** Statuses worth another attempt: timeouts, rate limits, server trouble (501 says it never will). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/**
 * Errors worth another attempt: the connection or name lookup failed for now, the attempt
 * timed out, a local resource was busy. Anything else (a missing local file, a full disk,
 * permissions, a name that does not exist) fails the same way every time.
 */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'TIMEOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'EBUSY',
  'EAGAIN',
  'EMFILE',
  'ENFILE',
]);

export function isRetryableCode(code: string): boolean {
  return RETRYABLE_CODES.has(code);
}

export function isRetryable(outcome: FailedOutcome): boolean {
  if (outcome.retryable !== undefined) return outcome.retryable;
  if (outcome.status !== undefined) return isRetryableStatus(outcome.status);
  return outcome.code !== undefined && isRetryableCode(outcome.code);
}

/** `Retry-After` in milliseconds from `now`: seconds, or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Full jitter: uniform in [0, min(cap, base · 2^(failures − 1))). */
export function backoffDelay(failures: number, policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>, random: () => number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; why?: string };

/** After the `attempt`-th attempt failed with `outcome`: wait and try again, or give up (and why). */
export function decideRetry(input: {
  policy: RetryPolicy;
  attempt: number;
  outcome: FailedOutcome;
  now: number;
  deadlineAt: number;
  random: () => number;
}): RetryDecision {
  const { policy, attempt, outcome, now, deadlineAt } = input;
  if (!isRetryable(outcome)) return { retry: false, why: 'not retried' };
  if (attempt >= policy.attempts) return { retry: false };
  const jitter = backoffDelay(attempt, policy, input.random);
  // A server that says when to come back is believed, even past the cap; never past the deadline.
  const delayMs = outcome.retryAfterMs !== undefined ? Math.max(jitter, outcome.retryAfterMs) : jitter;
  if (now + delayMs >= deadlineAt) {
    const after =
      outcome.retryAfterMs !== undefined && outcome.retryAfterMs >= jitter ? `Retry-After ${seconds(outcome.retryAfterMs)} ` : '';
    return { retry: false, why: `${after}past the deadline of ${seconds(policy.deadlineMs)}` };
  }
  return { retry: true, delayMs };
}

/** The time one attempt may take: its timeout, or what is left before the deadline. */
export function attemptTimeout(policy: RetryPolicy, now: number, deadlineAt: number): number {
  return Math.min(policy.timeoutMs, deadlineAt - now);
}

export interface RetryResult {
  ok: boolean;
  attempts: UploadAttempt[];
  /** Why it gave up: the last failure and, when that alone does not say it, why it stopped there. */
  reason?: string;
}

export interface RetryOptions {
  policy: RetryPolicy;
  deadlineAt: number;
  clock?: Clock;
  random?: () => number;
  signal?: AbortSignal;
  /** Told before each wait (for the log). */
  onRetry?: (attempt: number, outcome: FailedOutcome, delayMs: number) => void;
}

/** Runs `attempt` until it succeeds, fails for good, runs out of attempts or meets the deadline. */
export async function withRetries(
  attempt: (n: number, timeoutMs: number) => Promise<AttemptOutcome>,
  options: RetryOptions,
): Promise<RetryResult> {
  const { policy, deadlineAt, signal } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const attempts: UploadAttempt[] = [];
  for (let n = 1; ; n++) {
    if (signal?.aborted) return { ok: false, attempts, reason: 'cancelled' };
    const timeoutMs = attemptTimeout(policy, clock.now(), deadlineAt);
    if (timeoutMs <= 0) return { ok: false, attempts, reason: `no time left before the deadline of ${seconds(policy.deadlineMs)}` };
    const start = clock.now();
    const outcome = await attempt(n, timeoutMs);
    attempts.push({
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
      ...(!outcome.ok && outcome.code ? { code: outcome.code } : {}),
      durationMs: clock.now() - start,
    });
    if (outcome.ok) return { ok: true, attempts };
    if (signal?.aborted) return { ok: false, attempts, reason: 'cancelled' };
    const decision = decideRetry({ policy, attempt: n, outcome, now: clock.now(), deadlineAt, random });
    if (!decision.retry) return { ok: false, attempts, reason: decision.why ? `${outcome.detail}; ${decision.why}` : outcome.detail };
    options.onRetry?.(n, outcome, decision.delayMs);
    await clock.sleep(decision.delayMs, signal);
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
