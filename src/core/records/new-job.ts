import type { BuildJob } from './types';

/** A record as it stands when a build starts, with what is known then; the pipeline fills in the rest. */
export function newBuildJob(
  fields: Pick<BuildJob, 'id' | 'packagePath' | 'environment' | 'startTime' | 'logs' | 'metadata'> & Partial<BuildJob>,
): BuildJob {
  // Fields in the order records have always listed them.
  const job: BuildJob = {
    schemaVersion: 1,
    id: fields.id,
    packageName: fields.packagePath,
    packagePath: fields.packagePath,
    builder: 'unknown',
    requestedBuilder: 'unknown',
    environment: fields.environment,
    inputHash: null,
    cache: 'miss',
    startTime: fields.startTime,
    endTime: null,
    status: 'building',
    exitCode: null,
    durationMs: null,
    phases: [],
    artifacts: [],
    errors: [],
    warnings: [],
    logs: fields.logs,
    metadata: fields.metadata,
  };
  return { ...job, ...fields };
}
