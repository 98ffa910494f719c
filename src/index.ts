/**
 * Public API. This module is imported by every build.config.ts at graph time, so it only
 * re-exports the config helper and types eagerly; the pipeline loads on first call.
 */
export { defineBuildConfig, CONFIG_FILE_NAMES, DEFAULT_ARTIFACT_GLOBS } from './config/define';
export type { BuildConfigExport, ConfigContext } from './config/define';
export type {
  TypedBuildConfig,
  BuilderOptionsByBuilder,
  EsbuildBuilderOptions,
  BunBuilderOptions,
  RollupBuilderOptions,
  TscBuilderOptions,
  CustomBuilderOptions,
} from './config/builder-options-types';
export type {
  PackageBuildConfig,
  ParsedBuildConfig,
  Builder,
  Format,
  Platform,
  Hook,
  HookContext,
  HookFunction,
  EnvironmentOverrides,
} from './config/schema';
export type { ResolvedBuildConfig, EntryPoint } from './config/resolve';
export type { BuildJob, Artifact, PhaseRecord, PhaseStatus, JobStatus, CacheStatus, CheckFinding } from './core/records/types';
export type { DisplayStatus } from './core/records/live';
export type { RecordStore } from './core/records/store';
export type { BuildError, ErrorCode, PhaseName, Result } from './errors';
export type { BuildSystemPluginOptions } from './plugin/options';
export type {
  BuildOptions,
  BuildManyOptions,
  BuildManyResult,
  CleanOptions,
  WorkspaceOptions,
  PackageSummary,
  PackageSyncSummary,
  BuildStatus,
  CleanResult,
  WorkspacePackage,
} from './api';
export type { FailureEntry, FailureFilter, HistoryEntry, HistoryFilter, ImportResult, SyncResult } from './api/records';
export type { UploadOptions } from './api/upload';
export type { WatchOptions, WatchResult } from './api';
export type { UploadAttempt, UploadRecord } from './core/records/types';
export type { UploadConfig } from './config/schema';

import type * as Api from './api';
import type * as RecordsApi from './api/records';
import type * as UploadApi from './api/upload';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const api = (): typeof Api => require('./api') as typeof Api;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const recordsApi = (): typeof RecordsApi => require('./api/records') as typeof RecordsApi;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const uploadApi = (): typeof UploadApi => require('./api/upload') as typeof UploadApi;

export const build: typeof Api.build = (...args) => api().build(...args);
export const buildMany: typeof Api.buildMany = (...args) => api().buildMany(...args);
export const clean: typeof Api.clean = (...args) => api().clean(...args);
export const listPackages: typeof Api.listPackages = (...args) => api().listPackages(...args);
export const getBuildStatus: typeof Api.getBuildStatus = (...args) => api().getBuildStatus(...args);
export const getBuildHistory: typeof Api.getBuildHistory = (...args) => api().getBuildHistory(...args);
export const loadBuildConfig: typeof Api.loadBuildConfig = (...args) => api().loadBuildConfig(...args);
export const syncPackages: typeof Api.syncPackages = (...args) => api().syncPackages(...args);
export const getAllBuildHistory: typeof RecordsApi.getAllBuildHistory = (...args) => recordsApi().getAllBuildHistory(...args);
export const getBuildFailures: typeof RecordsApi.getBuildFailures = (...args) => recordsApi().getBuildFailures(...args);
export const importRecords: typeof RecordsApi.importRecords = (...args) => recordsApi().importRecords(...args);
export const syncRecords: typeof RecordsApi.syncRecords = (...args) => recordsApi().syncRecords(...args);
export const watch: typeof Api.watch = (...args) => api().watch(...args);
export const upload: typeof UploadApi.upload = (...args) => uploadApi().upload(...args);
