import { parseSince } from '../core/records/history';
import { EXIT, type BuildError } from '../errors';
import { getAllBuildHistory, getBuildFailures, importRecords, syncRecords } from '../api/records';

/** What a records command prints: one JSON document, or a table and/or text; or errors. */
export interface CommandView {
  exitCode: number;
  json?: unknown;
  table?: { head: string[]; rows: string[][] };
  text?: string;
  errors?: BuildError[];
}

export interface RecordsCommandOptions {
  since?: string;
  status?: string;
  limit?: number;
  unresolved?: boolean;
  databaseUrlEnv?: string;
}

const usage = (message: string): CommandView => ({ exitCode: EXIT.invalid, errors: [{ code: 'USAGE', message }] });
const failed = (errors: BuildError[]): CommandView => ({
  exitCode: errors.every((e) => e.code === 'USAGE' || e.code === 'PROJECT_NOT_FOUND') ? EXIT.invalid : EXIT.failed,
  errors,
});
const short = (sha: string | null) => (sha ? sha.slice(0, 10) : '');

function since(text: string | undefined): Date | undefined | CommandView {
  if (text === undefined) return undefined;
  return parseSince(text) ?? usage(`--since takes a duration (30m, 12h, 7d, 2w) or a date, not "${text}"`);
}

/** `history --all [--since 7d] [--status failed] [--limit N]`: builds across packages and hosts. */
export async function historyAllCommand(o: RecordsCommandOptions): Promise<CommandView> {
  const from = since(o.since);
  if (from && !(from instanceof Date)) return from;
  const r = await getAllBuildHistory({ since: from, status: o.status, limit: o.limit, databaseUrlEnv: o.databaseUrlEnv });
  if (!r.ok) return failed(r.errors);
  return {
    exitCode: EXIT.success,
    json: { all: true, jobs: r.value },
    table: {
      head: ['started', 'project', 'status', 'cache', 'builder', 'duration', 'host', 'commit', 'id'],
      rows: r.value.map((j) => [
        j.startTime,
        j.packageName,
        j.status,
        j.cache,
        j.builder,
        `${j.durationMs ?? '-'} ms`,
        j.host ?? '',
        short(j.commitSha),
        j.id,
      ]),
    },
  };
}

/** `failures [--unresolved] [--since 7d] [--limit N]`: errors of builds, with their packages. */
export async function failuresCommand(o: RecordsCommandOptions): Promise<CommandView> {
  const from = since(o.since);
  if (from && !(from instanceof Date)) return from;
  const r = await getBuildFailures({ unresolved: o.unresolved, since: from, limit: o.limit, databaseUrlEnv: o.databaseUrlEnv });
  if (!r.ok) return failed(r.errors);
  const where = (f: (typeof r.value)[number]) =>
    f.file ? `${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''}` : (f.phase ?? '');
  return {
    exitCode: EXIT.success,
    json: { failures: r.value },
    table: {
      head: ['started', 'project', 'code', 'where', 'message', 'host', 'build', 'resolved'],
      rows: r.value.map((f) => [
        f.startTime,
        f.packageName,
        f.code,
        where(f),
        f.message.split('\n')[0].slice(0, 100),
        f.host ?? '',
        f.jobId,
        f.resolved ? 'yes' : 'no',
      ]),
    },
  };
}

/** `records import` (JSON records into the database) and `records sync` (the spool). */
export async function recordsCommand(sub: string | undefined, o: RecordsCommandOptions): Promise<CommandView> {
  if (sub === 'import') {
    const r = await importRecords({ databaseUrlEnv: o.databaseUrlEnv });
    if (!r.ok) return failed(r.errors);
    return { exitCode: EXIT.success, json: r.value, text: `imported ${r.value.records} records (${r.value.created} new)` };
  }
  if (sub === 'sync') {
    const r = await syncRecords({ databaseUrlEnv: o.databaseUrlEnv });
    if (!r.ok) return failed(r.errors);
    const rest = r.value.remaining ? `, ${r.value.remaining} left in the spool` : '';
    return { exitCode: EXIT.success, json: r.value, text: `sent ${r.value.sent} spooled records${rest}` };
  }
  return usage(sub ? `unknown records command "${sub}": import or sync` : 'records takes import or sync');
}
