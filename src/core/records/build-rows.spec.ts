import { describe, expect, it } from 'vitest';
import { currentState, toBuildRows } from './build-rows';
import type { BuildJob } from './types';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

const failed: BuildJob = {
  schemaVersion: 1,
  id: '20260101T000000000Z-abc',
  packageName: '@acme/core',
  packagePath: 'packages/core',
  builder: 'esbuild',
  requestedBuilder: 'bun',
  environment: 'production',
  inputHash: '123',
  cache: 'miss',
  startTime: t(0),
  endTime: t(3),
  status: 'failed',
  exitCode: 1,
  durationMs: 3000,
  phases: [
    { name: 'validate', status: 'success', startTime: t(0), endTime: t(1), durationMs: 1000 },
    { name: 'build', status: 'failed', startTime: t(1), endTime: t(3), durationMs: 2000 },
    { name: 'build', status: 'failed', startTime: t(1), endTime: t(3), durationMs: 2001 },
  ],
  artifacts: [{ path: 'dist/index.js', size: 10, checksum: 'sha256:aa', mimeType: 'text/javascript' }],
  errors: [
    { code: 'COMPILE_ERROR', message: 'Expected ";"', phase: 'build', file: 'packages/core/src/a.ts', line: 2, column: 5 },
    { code: 'HOOK_FAILED', message: 'exit 1', phase: 'prebuild' },
  ],
  logs: 'packages/core/.build-cache/logs/x.log',
  metadata: { runner: 'nx' },
};

describe('toBuildRows', () => {
  it('maps a failed build to the rows of every table', () => {
    expect(toBuildRows(failed, { host: 'ci-1', commitSha: 'f'.repeat(40) }, 'log text')).toEqual({
      project_name: '@acme/core',
      project_path: 'packages/core',
      build: {
        build_number: failed.id,
        status: 'failed',
        current_state: 100,
        start_time: t(0),
        end_time: t(3),
        duration_ms: 3000,
        input_hash: '123',
        cache: 'miss',
        builder: 'esbuild',
        requested_builder: 'bun',
        environment: 'production',
        exit_code: 1,
        host: 'ci-1',
        commit_sha: 'f'.repeat(40),
        created_by: 'nx',
        record: failed,
      },
      // One row per phase: the last record of a phase wins (an upsert may touch a row once).
      states: [
        {
          state: 0,
          phase: 'validate',
          status: 'success',
          start_time: t(0),
          end_time: t(1),
          duration_ms: 1000,
          error_message: null,
          retry_count: 0,
        },
        {
          state: 3,
          phase: 'build',
          status: 'failed',
          start_time: t(1),
          end_time: t(3),
          duration_ms: 2001,
          error_message: 'Expected ";"',
          retry_count: 0,
        },
      ],
      failures: [
        {
          ordinal: 0,
          state: 3,
          failure_type: 'COMPILE_ERROR',
          error_message: 'Expected ";"',
          error_details: { phase: 'build', file: 'packages/core/src/a.ts', line: 2, column: 5 },
          component: 'packages/core/src/a.ts',
          retry_attempt: 0,
        },
        {
          ordinal: 1,
          state: 2,
          failure_type: 'HOOK_FAILED',
          error_message: 'exit 1',
          error_details: { phase: 'prebuild' },
          component: 'prebuild',
          retry_attempt: 0,
        },
      ],
      artifacts: [{ path: 'dist/index.js', size: 10, checksum: 'sha256:aa', mime_type: 'text/javascript', uri: null }],
      log: 'log text',
    });
  });

  it('takes created_by from the trigger first, and an uploaded artifact uri', () => {
    const job = { ...failed, trigger: 'page' as const, artifacts: [{ path: 'a.tgz', size: 1, checksum: 'sha256:b', uri: 's3://x/a.tgz' }] };
    const rows = toBuildRows(job, { host: null, commitSha: null });
    expect([rows.build.created_by, rows.artifacts[0].uri, 'log' in rows]).toEqual(['page', 's3://x/a.tgz', false]);
  });
});

describe('currentState', () => {
  it('is the share of phases done while running, 100 once ended', () => {
    const running = { ...failed, endTime: null, phases: failed.phases.slice(0, 1) };
    expect([currentState(running), currentState({ ...running, phases: [] }), currentState(failed)]).toEqual([11, 0, 100]);
  });
});
