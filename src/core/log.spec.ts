import { describe, expect, it } from 'vitest';
import { JobLog, LineLimiter, SizeLimiter } from './log';
import type { RecordStore } from './records/store';

/** A store that keeps the log in memory (only appendLog is used by JobLog). */
function memoryLog() {
  let text = '';
  const store = { appendLog: async (_job: unknown, t: string) => void (text += t) } as unknown as RecordStore;
  let terminal = '';
  return { store, terminal: (t: string) => void (terminal += t), file: () => text, shown: () => terminal };
}

describe('JobLog', () => {
  it('past 64 KiB, writes each line once and whole, masked, whatever the chunks', async () => {
    const mem = memoryLog();
    const log = new JobLog(mem.store, { id: 'j', packagePath: 'p' }, mem.terminal, { maxLineLength: 1 << 20, maxSize: 1 << 26 });
    log.setSecrets(['sk_live_abcdef123456']);
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} token: sk_live_abcdef123456 end\n`);
    const all = lines.join('');
    for (let i = 0, step = 1; i < all.length; i += step, step = ((step * 7) % 5003) + 1) log.write(all.slice(i, i + step));
    await log.flush();
    const expected = all.replaceAll('sk_live_abcdef123456', '***');
    expect(mem.file()).toBe(expected);
    expect(mem.shown()).toBe(expected);
  });

  it('holds what is written before the secrets are known, then masks it', async () => {
    const mem = memoryLog();
    const log = new JobLog(mem.store, { id: 'j', packagePath: 'p' }, mem.terminal);
    log.write('loading: tok_123456\n');
    expect(mem.shown()).toBe('');
    log.setSecrets(['tok_123456']);
    expect(mem.shown()).toBe('loading: ***\n');
    await log.flush();
    expect(mem.file()).toBe('loading: ***\n');
  });

  it('ends a partial last line on flush', async () => {
    const mem = memoryLog();
    const log = new JobLog(mem.store, { id: 'j', packagePath: 'p' }, mem.terminal);
    log.setSecrets([]);
    log.write('no newline');
    await log.flush();
    expect(mem.file()).toBe('no newline\n');
  });
});

describe('LineLimiter', () => {
  it('keeps the first and last halves of a long line, saying how much is cut', () => {
    const l = new LineLimiter(100);
    const line = `${'h'.repeat(50)}${'m'.repeat(9900)}${'t'.repeat(50)}`;
    const out = [...line.match(/.{1,333}/g)!].map((c) => l.push(c)).join('') + l.push('\nnext\n');
    expect(out).toBe(`${'h'.repeat(50)} [… 9900 characters cut …] ${'t'.repeat(50)}\nnext\n`);
  });
  it('passes lines up to the limit unchanged, and a partial line only at the end', () => {
    const l = new LineLimiter(10);
    expect(l.push('0123456789\nabc')).toBe('0123456789\n');
    expect(l.end()).toBe('abc\n');
  });
});

describe('SizeLimiter', () => {
  it('passes the first half, keeps the last half of whole lines, and says what was cut', () => {
    const s = new SizeLimiter(1000);
    const lines = Array.from({ length: 500 }, (_, i) => `row ${String(i).padStart(3, '0')}\n`);
    const passed = lines.map((l) => s.push(l)).join('');
    const drained = s.drain();
    expect(passed.startsWith('row 000\nrow 001\n')).toBe(true);
    expect(passed).toContain('the output passed 500 characters');
    expect(
      passed
        .split('\n')
        .filter((l) => l.startsWith('row'))
        .join('\n').length,
    ).toBeLessThanOrEqual(500);
    expect(drained).toMatch(/^\[build-system\] … \d+ lines \(\d+ characters\) of output cut here …\nrow \d{3}\n/);
    expect(drained.endsWith('row 499\n')).toBe(true);
    const kept = drained.split('\n').slice(1).join('\n');
    expect(kept.length).toBeLessThanOrEqual(500);
    const shown = [...passed.split('\n'), ...drained.split('\n')].filter((l) => l.startsWith('row')).length;
    const cut = Number(/… (\d+) lines/.exec(drained)![1]);
    expect(shown + cut).toBe(500);
  });
});
