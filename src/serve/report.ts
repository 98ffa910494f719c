import { randomBytes } from 'node:crypto';
import { RETAINED_JOBS } from '../core/records/store';
import type { PackageDetail, PackageRow, PageData } from './data';
import { formatBytes, formatDuration, formatLocation } from './format';
import {
  renderDocument,
  renderJobView,
  renderPackagesView,
  renderPackageView,
  REPORT_LINKS,
  statusLabel,
  type ViewContext,
} from './render';
import type { Html } from './html';

export interface ReportOptions {
  workspace: string;
  now?: number;
}

export interface Report {
  html: string;
  rows: PackageRow[];
}

/**
 * One self-contained HTML file with the page's views: the packages, each package (its latest
 * build with the phases' logs) and each job of its history (phases without logs). Nothing is
 * loaded from anywhere: style and script are inlined, allowed by a nonce, and the policy
 * lets the file connect nowhere.
 */
export async function buildReport(data: PageData, o: ReportOptions): Promise<Report> {
  const now = o.now ?? Date.now();
  const ctx: ViewContext = { links: REPORT_LINKS, actions: false, now };
  const rows = await data.rows();
  const routes: { route: string; body: Html }[] = [{ route: '/', body: renderPackagesView(rows, ctx) }];
  const details: PackageDetail[] = [];
  for (const row of rows) {
    const d = await data.packageDetail(row.name);
    if (!d) continue;
    details.push(d);
    routes.push({ route: `/packages/${row.name}`, body: renderPackageView(d, ctx) });
    const shown = new Set([d.latest?.job.id, d.lastCompleted?.job.id]);
    for (const v of [d.latest, d.lastCompleted]) if (v) routes.push({ route: `/jobs/${v.job.id}`, body: renderJobView(v, row.name, ctx) });
    for (const job of await data.jobs(row.path, RETAINED_JOBS)) {
      if (shown.has(job.id)) continue;
      routes.push({ route: `/jobs/${job.id}`, body: renderJobView(await data.jobView(job, false), row.name, ctx) });
    }
  }
  const generatedAt = new Date(now).toISOString();
  const html = renderDocument({
    title: `Package builds · ${o.workspace}`,
    workspace: o.workspace,
    mode: 'report',
    nonce: randomBytes(16).toString('base64'),
    routes,
    generatedAt,
    data: { generatedAt, workspace: o.workspace, packages: rows },
  });
  return { html, rows };
}

/** GitHub's limit for one step's summary. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

const ICON: Record<string, string> = {
  success: '✅',
  failed: '❌',
  building: '🔄',
  cancelled: '⏹️',
  skipped: '⏭️',
  interrupted: '⚠️',
  'never-built': '➖',
};

/**
 * A markdown summary (for `$GITHUB_STEP_SUMMARY`): one table row per package, then the first
 * error of each failure. Values are escaped (no HTML, no table breaks); rows past `maxBytes`
 * are left out, saying how many.
 */
export function markdownSummary(rows: PackageRow[], o: { workspace: string; maxBytes?: number; reportFile?: string }): string {
  const max = o.maxBytes ?? STEP_SUMMARY_LIMIT;
  const counts = (s: string) => rows.filter((r) => r.status === s).length;
  const head = [
    `## Package builds · ${md(o.workspace)}`,
    '',
    `${rows.length} packages: ${counts('success')} successful, ${counts('failed')} failed, ${counts('building')} building, ${rows.filter((r) => r.stale).length} stale${
      o.reportFile ? ` · full report: ${md(o.reportFile)}` : ''
    }`,
    '',
    '| Package | Status | Builder | Cache | Duration | Outputs | Artifacts |',
    '|---|---|---|---|---:|---|---:|',
  ].join('\n');
  const lines = rows.map(
    (r) =>
      `| ${md(r.name)} | ${ICON[r.status] ?? ''} ${statusLabel(r.status)}${r.failure?.phase ? ` (${md(r.failure.phase)})` : ''} | ${md(r.builder ?? '—')} | ${md(r.cache ?? '—')} | ${
        r.status === 'building' ? 'running' : formatDuration(r.durationMs)
      } | ${r.status === 'never-built' ? '—' : r.stale ? 'stale' : 'up to date'} | ${r.artifacts.count ? `${r.artifacts.count} · ${formatBytes(r.artifacts.bytes)}` : '—'} |`,
  );
  const failures = rows
    .filter((r) => r.failure?.error)
    .map((r) => {
      const e = r.failure!.error!;
      const where = formatLocation(e);
      return `- **${md(r.name)}** ${r.status} in ${md(r.failure!.phase ?? 'build')}: ${where ? `${md(where)} ` : ''}[${md(e.code)}] ${md(truncate(e.message, 400))}`;
    });
  const budget = max - 512;
  let out = head;
  let shown = 0;
  for (const line of lines) {
    if (Buffer.byteLength(out) + Buffer.byteLength(line) + 1 > budget) break;
    out += `\n${line}`;
    shown++;
  }
  if (shown < lines.length) out += `\n\n${lines.length - shown} more packages not shown (the summary is kept under ${formatBytes(max)}).`;
  if (failures.length) {
    let section = '\n\n### Failures\n';
    for (const f of failures) {
      if (Buffer.byteLength(out) + Buffer.byteLength(section) + Buffer.byteLength(f) + 1 > budget) break;
      section += `\n${f}`;
    }
    out += section;
  }
  return `${out}\n`;
}

/** Text for a markdown table cell: HTML escaped, markdown's punctuation escaped, one line. */
export function md(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+!|~]/g, '\\$&')
    .replace(/\r?\n|\r/g, ' ');
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
