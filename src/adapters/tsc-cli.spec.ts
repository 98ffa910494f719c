import { describe, expect, it } from 'vitest';
import { DiagnosticFilter, parseTscDiagnostics } from './tsc/tsc-cli';

const config = { packageRoot: '/ws/packages/a', workspaceRoot: '/ws' };
const OUTPUT = [
  "src/index.ts(2,23): error TS2322: Type '{ a: number; }' is not assignable to type 'X'.",
  "  Object literal may only specify known properties, and 'a' does not exist in type 'X'.",
  'Some other line tsc printed',
  'error TS5083: Cannot read file',
  '',
].join('\n');

describe('tsc diagnostics: printed once, as located errors', () => {
  it('parses a diagnostic with its indented continuation into one located error', () => {
    expect(parseTscDiagnostics(OUTPUT, config, 'dts')).toEqual([
      {
        code: 'TYPE_ERROR',
        message:
          "TS2322: Type '{ a: number; }' is not assignable to type 'X'.\n  Object literal may only specify known properties, and 'a' does not exist in type 'X'.",
        phase: 'dts',
        file: 'packages/a/src/index.ts',
        line: 2,
        column: 23,
      },
      { code: 'TYPE_ERROR', message: 'TS5083: Cannot read file', phase: 'dts' },
    ]);
  });

  it('the streamed output keeps everything but the diagnostics, whatever the chunking', () => {
    for (const size of [1, 7, OUTPUT.length]) {
      const filter = new DiagnosticFilter();
      let shown = '';
      for (let i = 0; i < OUTPUT.length; i += size) shown += filter.push(OUTPUT.slice(i, i + size));
      shown += filter.end();
      expect(shown, `chunks of ${size}`).toBe('Some other line tsc printed\n');
    }
  });
});
