import { describe, expect, it } from 'vitest';
import {
  attemptTimeout,
  backoffDelay,
  decideRetry,
  isRetryable,
  parseRetryAfter,
  withRetries,
  type AttemptOutcome,
  type Clock,
  type RetryPolicy,
} from './retry';

const policy: RetryPolicy = { attempts: 5, baseMs: 100, capMs: 1000, timeoutMs: 2000, deadlineMs: 60_000 };

/** A clock whose sleep only moves time on: no test waits. */
function fakeClock(start = 1_000_000) {
  let now = start;
  const slept: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
  return { clock, slept, advance: (ms: number) => (now += ms) };
}

/** Answers the attempts in turn, each taking `takesMs` of the fake clock. */
function scripted(outcomes: AttemptOutcome[], advance: (ms: number) => void, takesMs = 10) {
  const timeouts: number[] = [];
  let i = 0;
  const attempt = async (_n: number, timeoutMs: number) => {
    timeouts.push(timeoutMs);
    advance(Math.min(takesMs, timeoutMs));
    return outcomes[Math.min(i++, outcomes.length - 1)];
  };
  return { attempt, timeouts, calls: () => i };
}

const http = (status: number, text = '', retryAfterMs?: number): AttemptOutcome => ({
  ok: false,
  status,
  detail: `${status} ${text}`.trim(),
  ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
});
const error = (code: string): AttemptOutcome => ({ ok: false, code, detail: code });

describe('retry classification', () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [599, true],
    [501, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [413, false],
    [301, false],
  ])('status %i retried: %s', (status, retried) => {
    expect(isRetryable({ ok: false, status, detail: '' })).toBe(retried);
  });

  it.each([
    ['ECONNREFUSED', true],
    ['ECONNRESET', true],
    ['EAI_AGAIN', true],
    ['TIMEOUT', true],
    ['UND_ERR_SOCKET', true],
    ['ENOENT', false],
    ['ENOSPC', false],
    ['EACCES', false],
    ['ENOTFOUND', false],
  ])('error %s retried: %s', (code, retried) => {
    expect(isRetryable({ ok: false, code, detail: code })).toBe(retried);
  });

  it('an explicit verdict wins over the status', () => {
    expect(isRetryable({ ok: false, status: 503, detail: '', retryable: false })).toBe(false);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, relative to now', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Mon, 31 Dec 2029 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('full-jitter backoff', () => {
  it('grows exponentially up to the cap, scaled by the random draw', () => {
    const at = (r: number) => [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => r));
    expect(at(0.999999)).toEqual([99, 199, 399, 799, 999, 999]);
    expect(at(0.5)).toEqual([50, 100, 200, 400, 500, 500]);
    expect(at(0)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('honours Retry-After over a shorter jitter, never past the deadline', () => {
    const base = { policy, attempt: 1, now: 0, deadlineAt: 60_000, random: () => 0.5 };
    expect(decideRetry({ ...base, outcome: http(429, 'Too Many Requests', 5000) })).toEqual({ retry: true, delayMs: 5000 });
    expect(decideRetry({ ...base, outcome: http(503, '', 10) })).toEqual({ retry: true, delayMs: 50 });
    expect(decideRetry({ ...base, outcome: http(503, 'Slow Down', 120_000) })).toEqual({
      retry: false,
      why: 'Retry-After 120 s past the deadline of 60 s',
    });
  });

  it('stops at the attempt limit, at the deadline, and at once for what would fail again', () => {
    const base = { policy, now: 0, deadlineAt: 60_000, random: () => 0.5 };
    expect(decideRetry({ ...base, attempt: 5, outcome: http(503) })).toEqual({ retry: false });
    expect(decideRetry({ ...base, attempt: 1, outcome: http(403, 'Forbidden') })).toEqual({ retry: false, why: 'not retried' });
    expect(decideRetry({ ...base, attempt: 2, now: 59_950, outcome: http(503) })).toEqual({
      retry: false,
      why: 'past the deadline of 60 s',
    });
  });

  it('an attempt gets its timeout, or what is left before the deadline', () => {
    expect(attemptTimeout(policy, 0, 60_000)).toBe(2000);
    expect(attemptTimeout(policy, 59_500, 60_000)).toBe(500);
  });
});

describe('withRetries (fake clock, scripted attempts)', () => {
  it('503, 503, then 200: three attempts, two jittered waits', async () => {
    const { clock, slept, advance } = fakeClock();
    const run = scripted([http(503, 'Slow Down'), http(503, 'Slow Down'), { ok: true, status: 200 }], advance);
    const retried: number[] = [];
    const r = await withRetries(run.attempt, {
      policy,
      deadlineAt: clock.now() + policy.deadlineMs,
      clock,
      random: () => 0.5,
      onRetry: (_n, _o, d) => retried.push(d),
    });
    expect(r).toEqual({
      ok: true,
      attempts: [
        { status: 503, durationMs: 10 },
        { status: 503, durationMs: 10 },
        { status: 200, durationMs: 10 },
      ],
    });
    expect(slept).toEqual([50, 100]);
    expect(retried).toEqual(slept);
  });

  it('gives up after the configured attempts, naming the last failure', async () => {
    const { clock, slept, advance } = fakeClock();
    const run = scripted([http(503, 'Slow Down')], advance);
    const r = await withRetries(run.attempt, { policy, deadlineAt: clock.now() + policy.deadlineMs, clock, random: () => 0.999999 });
    expect(r.ok).toBe(false);
    expect(r.attempts).toHaveLength(5);
    expect(r.reason).toBe('503 Slow Down');
    expect(slept).toEqual([99, 199, 399, 799]);
  });

  it('403 is tried once', async () => {
    const { clock, slept, advance } = fakeClock();
    const run = scripted([http(403, 'Forbidden')], advance);
    const r = await withRetries(run.attempt, { policy, deadlineAt: clock.now() + policy.deadlineMs, clock, random: () => 0.5 });
    expect(r).toEqual({ ok: false, attempts: [{ status: 403, durationMs: 10 }], reason: '403 Forbidden; not retried' });
    expect(slept).toEqual([]);
  });

  it('errors are recorded by code; a missing local file is not retried', async () => {
    const { clock, advance } = fakeClock();
    const run = scripted([error('ECONNRESET'), error('TIMEOUT'), error('ENOENT')], advance);
    const r = await withRetries(run.attempt, { policy, deadlineAt: clock.now() + policy.deadlineMs, clock, random: () => 0 });
    expect(r.attempts.map((a) => a.code)).toEqual(['ECONNRESET', 'TIMEOUT', 'ENOENT']);
    expect(r.reason).toBe('ENOENT; not retried');
  });

  it('the deadline bounds the whole: the last attempt gets only what is left, and none starts after it', async () => {
    const { clock, slept, advance } = fakeClock(0);
    const tight = { ...policy, attempts: 10, deadlineMs: 2500 };
    const run = scripted([error('TIMEOUT')], advance, 1000);
    const r = await withRetries(run.attempt, { policy: tight, deadlineAt: 2500, clock, random: () => 0.5 });
    expect(run.timeouts).toEqual([2000, 1450, 350]);
    expect(slept).toEqual([50, 100]);
    expect(r.reason).toBe('TIMEOUT; past the deadline of 2500 ms');
  });

  it('a cancelled build stops waiting and says so', async () => {
    const { clock, advance } = fakeClock();
    const stop = new AbortController();
    const run = scripted([http(503)], advance);
    const r = await withRetries(
      async (n, t) => {
        const o = await run.attempt(n, t);
        stop.abort();
        return o;
      },
      { policy, deadlineAt: clock.now() + 60_000, clock, random: () => 0.5, signal: stop.signal },
    );
    expect(r).toMatchObject({ ok: false, reason: 'cancelled' });
    expect(r.attempts).toHaveLength(1);
  });
});
