import type { BuildOptions } from '../api';
import type { BuildJob } from '../core/records/types';
import { runUploadJob } from '../core/upload/upload-job';
import { fail, ok, type Result } from '../errors';
import { locateJobTarget } from './locate';

/** Like a build's options; `environment` picks the `upload` settings (default: the one the outputs were built for). */
export type UploadOptions = BuildOptions;

/**
 * Uploads the outputs of a project's last successful build again, as `build-system upload`
 * does (docs/upload.md): the upload job's record, or why there was nothing to upload.
 */
export async function upload(options: UploadOptions): Promise<Result<BuildJob>> {
  const target = await locateJobTarget(options);
  if (!target.ok) return target;
  const r = await runUploadJob({
    ...target.value,
    environment: options.environment,
    signal: options.signal,
    terminal: options.onOutput,
    trigger: 'api',
  });
  return 'job' in r ? ok(r.job) : fail(...r.errors);
}
