import { join } from 'node:path';
import { BUILD_CACHE_DIR } from '../../config/define';
import type { ResolvedBuildConfig } from '../../config/resolve';
import type { ResolvedUpload } from '../../config/upload';
import { formatError, type BuildError } from '../../errors';
import type { BuildJob, PhaseRecord } from '../records/types';
import { uploadArtifacts, type UploadRequest } from './upload';

export interface UploadPhaseContext {
  env: NodeJS.ProcessEnv;
  log: UploadRequest['log'] & { warn(line: string): void; maskText(text: string): string };
  signal?: AbortSignal;
}

/**
 * The `upload` phase: uploads the job's artifacts, records `uploads[]` and each artifact's
 * `uri`. A failure is an error only when `upload.required`; otherwise the build stays green
 * with a warning that says what was not stored and why (docs/upload.md).
 */
export async function runUploadPhase(
  config: ResolvedBuildConfig,
  upload: ResolvedUpload,
  job: BuildJob,
  ctx: UploadPhaseContext,
): Promise<{ status: PhaseRecord['status']; value: BuildError[] }> {
  const r = await uploadArtifacts({
    upload,
    packageRoot: config.packageRoot,
    workDir: join(config.packageRoot, BUILD_CACHE_DIR, 'upload'),
    packageName: config.name,
    version: config.packageJson.version,
    artifacts: job.artifacts,
    env: ctx.env,
    log: ctx.log,
    mask: (t) => ctx.log.maskText(t),
    signal: ctx.signal,
  });
  job.uploads = r.uploads;
  job.artifacts = r.artifacts;
  if (r.cancelled) return { status: 'cancelled', value: [] };
  if (r.failures.length === 0) return { status: 'success', value: [] };
  if (upload.required) return { status: 'failed', value: r.failures };
  for (const warning of r.failures) {
    (job.warnings ??= []).push(warning);
    ctx.log.warn(formatError(warning));
  }
  return { status: 'failed', value: [] };
}
