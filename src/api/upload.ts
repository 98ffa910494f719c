import { locate, type BuildOptions } from '../api';
import { openRecordStore } from '../core/records/open-store';
import type { BuildJob } from '../core/records/types';
import { runUploadJob } from '../core/upload/upload-job';
import { fail, ok, type Result } from '../errors';

/** Like a build's options; `environment` picks the `upload` settings (default: the one the outputs were built for). */
export type UploadOptions = BuildOptions;

/**
 * Uploads the outputs of a project's last successful build again, as `build-system upload`
 * does (docs/upload.md): the upload job's record, or why there was nothing to upload.
 */
export async function upload(options: UploadOptions): Promise<Result<BuildJob>> {
  const located = await locate(options.project, options);
  if (!located.ok) return located;
  const r = await runUploadJob({
    workspaceRoot: located.value.workspaceRoot,
    packageRoot: located.value.pkg.root,
    environment: options.environment,
    signal: options.signal,
    terminal: options.onOutput,
    store: options.store ?? openRecordStore(located.value.workspaceRoot, { urlEnv: options.databaseUrlEnv }),
    trigger: 'api',
  });
  return 'job' in r ? ok(r.job) : fail(...r.errors);
}
