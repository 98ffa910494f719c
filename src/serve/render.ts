import type { Artifact } from '../core/records/types';
import type { BuildError } from '../errors';
import { CLIENT_SCRIPT, STYLES } from './assets';
import type { HistoryEntry, JobView, LogText, PackageDetail, PackageRow, PhaseView, RowStatus } from './data';
import { formatBytes, formatDuration, formatLocation, formatTime, stripAnsi } from './format';
import { html, Html, inlineJson } from './html';

/**
 * The builds page, rendered once for both `serve` (one view per request, refreshed live) and
 * `report` (every view in one file, switched by the URL's hash). Every value from a record
 * goes through `html`, which escapes it: names, logs and messages only ever become text.
 */

/** Where links point: paths on the server, hash routes in the report file. */
export interface Links {
  home: string;
  pkg(name: string): string;
  job(id: string): string;
  /** The whole log of a job; null in the report (it carries the logs it shows). */
  log(id: string): string | null;
}

const pathOf = (name: string) => encodeURIComponent(name).replace(/%40/g, '@').replace(/%2F/gi, '/');

export const SERVE_LINKS: Links = {
  home: '/',
  pkg: (name) => `/packages/${pathOf(name)}`,
  job: (id) => `/jobs/${encodeURIComponent(id)}`,
  log: (id) => `/api/jobs/${encodeURIComponent(id)}/log`,
};

export const REPORT_LINKS: Links = {
  home: '#/',
  pkg: (name) => `#/packages/${pathOf(name)}`,
  job: (id) => `#/jobs/${encodeURIComponent(id)}`,
  log: () => null,
};

export interface ViewContext {
  links: Links;
  /** The page can start builds (serve); the report cannot. */
  actions: boolean;
  /** Now, for the durations of running builds. */
  now: number;
}

type AnyStatus = RowStatus | 'pending' | 'fresh' | 'stale';

const STATUS: Record<AnyStatus, { label: string; icon: string }> = {
  success: { label: 'successful', icon: '✓' },
  failed: { label: 'failed', icon: '✕' },
  building: { label: 'building', icon: '●' },
  cancelled: { label: 'cancelled', icon: '■' },
  skipped: { label: 'skipped', icon: '↷' },
  interrupted: { label: 'interrupted', icon: '!' },
  pending: { label: 'pending', icon: '○' },
  'never-built': { label: 'never built', icon: '–' },
  fresh: { label: 'up to date', icon: '✓' },
  stale: { label: 'stale', icon: '↻' },
};

export function badge(status: AnyStatus): Html {
  const s = STATUS[status] ?? { label: String(status), icon: '?' };
  return html`<span class="badge st-${status}"><span class="ico" aria-hidden="true">${s.icon}</span>${s.label}</span>`;
}

export function statusLabel(status: AnyStatus): string {
  return STATUS[status]?.label ?? String(status);
}

const time = (iso: string | null | undefined) => (iso ? html`<time datetime="${iso}" data-rel>${formatTime(iso)}</time>` : html`—`);

function runningFor(startTime: string | null, now: number): string {
  const start = startTime ? Date.parse(startTime) : NaN;
  return Number.isNaN(start) ? '—' : `${formatDuration(Math.max(0, now - start))} so far`;
}

function rebuildButton(name: string, ctx: ViewContext, status: RowStatus): Html | '' {
  if (!ctx.actions) return '';
  const busy = status === 'building';
  return html`<button type="button" class="rebuild" data-rebuild="${name}" ${busy ? html`disabled` : ''}>
    ${busy ? 'Building…' : 'Rebuild'}
  </button>`;
}

function errorLine(e: BuildError, withPhase = true): Html {
  const where = formatLocation(e);
  const extra = [e.field ? `field ${e.field}` : '', e.expected ? `expected ${e.expected}` : '', e.found ? `found ${e.found}` : '']
    .filter(Boolean)
    .join(' · ');
  return html`<li class="error">
    ${where ? html`<code class="loc">${where}</code> ` : ''}<span class="code">${e.code}</span
    >${withPhase && e.phase ? html` <span class="in">in ${e.phase}</span>` : ''}
    <div class="msg">${e.message}</div>
    ${extra ? html`<div class="detail">${extra}</div>` : ''}
  </li>`;
}

// ---------------------------------------------------------------------------- packages view

export function renderPackagesView(rows: PackageRow[], ctx: ViewContext): Html {
  const count = (pred: (r: PackageRow) => boolean) => rows.filter(pred).length;
  const counts: [string, number, string][] = [
    ['packages', rows.length, ''],
    ['successful', count((r) => r.status === 'success'), 'st-success'],
    ['failed', count((r) => r.status === 'failed' || r.status === 'interrupted' || r.status === 'cancelled'), 'st-failed'],
    ['building', count((r) => r.status === 'building'), 'st-building'],
    ['stale', count((r) => r.stale && r.status !== 'never-built'), 'st-stale'],
    ['never built', count((r) => r.status === 'never-built'), 'st-never-built'],
  ];
  return html`<nav class="crumbs" aria-label="Breadcrumb"><span>Packages</span></nav>
    <ul class="counts">
      ${counts.map(([label, n, cls]) => html`<li class="${cls}"><b>${n}</b> ${label}</li>`)}
    </ul>
    ${
      rows.length === 0
        ? html`<p class="empty">No buildable packages: a package needs a <code>build.config.ts</code>.</p>`
        : html`<div class="table-wrap">
            <table class="packages">
              <thead>
                <tr>
                  <th scope="col">Package</th>
                  <th scope="col">Status</th>
                  <th scope="col">Builder</th>
                  <th scope="col">Cache</th>
                  <th scope="col" class="num">Duration</th>
                  <th scope="col">When</th>
                  <th scope="col">Outputs</th>
                  <th scope="col" class="num">Artifacts</th>
                  ${ctx.actions ? html`<th scope="col"><span class="sr">Actions</span></th>` : ''}
                </tr>
              </thead>
              <tbody>
                ${rows.map((r) => packageRow(r, ctx))}
              </tbody>
            </table>
          </div>`
    }`;
}

function packageRow(r: PackageRow, ctx: ViewContext): Html {
  const running = r.status === 'building';
  const note = r.configErrors?.length
    ? html`<div class="note fail">config: ${r.configErrors[0].message}</div>`
    : r.failure
      ? html`<div class="note fail">
          ${r.status === 'cancelled' ? 'cancelled' : 'failed'}${r.failure.phase ? html` in <b>${r.failure.phase}</b>` : ''}${
            r.failure.error
              ? html`:
                ${formatLocation(r.failure.error) ? html`<code>${formatLocation(r.failure.error)}</code> ` : ''}${r.failure.error.message}`
              : ''
          }
        </div>`
      : running
        ? html`<div class="note now">
            ${r.phase ? html`phase <b>${r.phase}</b>` : 'starting'}${r.trigger ? html` · started by ${r.trigger}` : ''}
          </div>`
        : r.status === 'interrupted'
          ? html`<div class="note fail">its process is gone${r.phase ? html` (was in ${r.phase})` : ''}</div>`
          : '';
  const outputs =
    r.status === 'never-built'
      ? html`<span class="muted">—</span>`
      : html`<span title="${r.reasons.join('\n')}">${badge(r.stale ? 'stale' : 'fresh')}</span>`;
  return html`<tr class="row" data-package="${r.name}" data-status="${r.status}">
    <td data-label="Package" class="name">
      <a href="${ctx.links.pkg(r.name)}">${r.name}</a>${r.displayName ? html` <span class="display-name">${r.displayName}</span>` : ''}
      <div class="path">${r.path || '.'}</div>
      ${note}
    </td>
    <td data-label="Status">${badge(r.status)}</td>
    <td data-label="Builder">${r.builder ?? '—'}</td>
    <td data-label="Cache">${r.cache ?? '—'}</td>
    <td data-label="Duration" class="num">${running ? runningFor(r.startTime, ctx.now) : formatDuration(r.durationMs)}</td>
    <td data-label="When">${time(r.endTime ?? r.startTime)}</td>
    <td data-label="Outputs">${outputs}</td>
    <td data-label="Artifacts" class="num">${r.artifacts.count ? html`${r.artifacts.count} · ${formatBytes(r.artifacts.bytes)}` : '—'}</td>
    ${ctx.actions ? html`<td class="actions">${rebuildButton(r.name, ctx, r.status)}</td>` : ''}
  </tr>`;
}

// ----------------------------------------------------------------------------- package view

export function renderPackageView(d: PackageDetail, ctx: ViewContext): Html {
  const r = d.row;
  const latest = d.latest;
  return html`<nav class="crumbs" aria-label="Breadcrumb">
      <a href="${ctx.links.home}">Packages</a><span class="sep">›</span><span>${r.name}</span>
    </nav>
    <header class="head">
      <div class="title">
        <h1>${r.name}</h1>
        ${r.displayName ? html`<span class="display-name">${r.displayName}</span>` : ''} ${badge(r.status)}
      </div>
      <div class="meta">
        <span>${r.path || '.'}</span
        >${r.builder ? html`<span>${r.builder}</span>` : ''}${latest ? html`<span>${latest.job.environment}</span>` : ''}
      </div>
      <div class="tools">${rebuildButton(r.name, ctx, r.status)}</div>
    </header>
    ${
      r.configErrors?.length
        ? html`<section class="card bad">
            <h2>Config</h2>
            <ul class="errors">
              ${r.configErrors.map((e) => errorLine(e, false))}
            </ul>
          </section>`
        : ''
    }
    <div class="cards">
      ${
        latest
          ? jobSummaryCard(latest, ctx, 'Latest build')
          : html`<section class="card">
              <h2>Latest build</h2>
              <p class="muted">Never built.</p>
            </section>`
      }
      ${stalenessCard(r)}
    </div>
    ${d.lastCompleted ? html`<div class="cards">${jobSummaryCard(d.lastCompleted, ctx, 'Last completed build')}</div>` : ''}
    ${latest ? jobSections(latest, ctx) : ''} ${historySection(d.history, ctx, latest?.job.id)}`;
}

function stalenessCard(r: PackageRow): Html {
  if (r.status === 'never-built')
    return html`<section class="card">
      <h2>Outputs</h2>
      <p>${badge('stale')} never built</p>
    </section>`;
  return html`<section class="card">
    <h2>Outputs</h2>
    <p>${badge(r.stale ? 'stale' : 'fresh')}${r.stale ? '' : html` <span class="muted">the outputs match the sources</span>`}</p>
    ${
      r.reasons.length
        ? html`<ul class="reasons">
            ${r.reasons.map((x) => html`<li>${x}</li>`)}
          </ul>`
        : ''
    }
  </section>`;
}

function jobSummaryCard(v: JobView, ctx: ViewContext, title: string): Html {
  const j = v.job;
  const running = v.status === 'building';
  const rows: [string, Html | string][] = [
    ['Status', badge(v.status)],
    ['Job', html`<a href="${ctx.links.job(j.id)}"><code>${j.id}</code></a>`],
    ['Started', time(j.startTime)],
    ['Duration', running ? runningFor(j.startTime, ctx.now) : formatDuration(j.durationMs)],
    ['Cache', j.cache],
    [
      'Builder',
      j.requestedBuilder !== j.builder && j.requestedBuilder !== 'unknown' ? `${j.builder} (asked for ${j.requestedBuilder})` : j.builder,
    ],
    ['Started by', j.trigger ?? (typeof j.metadata?.runner === 'string' ? j.metadata.runner : '—')],
    ['Exit code', j.exitCode === null ? '—' : String(j.exitCode)],
  ];
  return html`<section class="card">
    <h2>${title}</h2>
    <dl class="facts">
      ${rows.map(
        ([k, val]) =>
          html`<dt>${k}</dt>
            <dd>${val}</dd>`,
      )}
    </dl>
  </section>`;
}

/** Phases, errors, warnings, checks and artifacts of one job (package view and job view). */
function jobSections(v: JobView, ctx: ViewContext): Html {
  const j = v.job;
  const warnings = j.warnings ?? [];
  const checks = j.checks ?? [];
  const logLink = ctx.links.log(j.id);
  return html`<section class="block">
      <div class="block-head">
        <h2>Phases</h2>
        ${logLink ? html`<a class="small" href="${logLink}">full log (${formatBytes(v.logSize)})</a>` : ''}
      </div>
      ${phaseTimeline(v, ctx)}
      ${
        v.log
          ? html`<details class="whole-log" id="log-${j.id}">
              <summary>Log</summary>
              ${logBlock(v.log, j.id, ctx)}
            </details>`
          : ''
      }
    </section>
    ${
      j.errors.length
        ? html`<section class="block">
            <h2>Errors <span class="n">${j.errors.length}</span></h2>
            <ul class="errors">
              ${j.errors.map((e) => errorLine(e))}
            </ul>
          </section>`
        : ''
    }
    ${
      warnings.length
        ? html`<section class="block">
            <details id="warnings-${j.id}">
              <summary>
                <h2>Warnings <span class="n">${warnings.length}</span></h2>
              </summary>
              <ul class="errors warn">
                ${warnings.map((e) => errorLine(e))}
              </ul>
            </details>
          </section>`
        : ''
    }
    ${
      checks.length
        ? html`<section class="block">
            <details id="checks-${j.id}">
              <summary>
                <h2>Checks <span class="n">${checks.length}</span></h2>
              </summary>
              <ul class="errors warn">
                ${checks.map((c) => errorLine({ code: `${c.tool} ${c.level}` as never, message: c.message, file: c.file, line: c.line, column: c.column, field: c.field }, false))}
              </ul>
            </details>
          </section>`
        : ''
    }
    ${artifactsSection(j.artifacts)}`;
}

function phaseTimeline(v: JobView, ctx: ViewContext): Html {
  const start = Date.parse(v.job.startTime);
  const end = v.job.endTime ? Date.parse(v.job.endTime) : ctx.now;
  const total = Math.max(1, end - start);
  const pct = (ms: number) => Math.min(100, Math.max(0, Math.round((ms / total) * 100)));
  if (v.phases.length === 0) return html`<p class="muted">No phases recorded.</p>`;
  return html`<ol class="phases">
    ${v.phases.map((p) => {
      const ps = p.startTime ? Date.parse(p.startTime) : NaN;
      const running = p.status === 'building' && v.status === 'building';
      const dur = p.durationMs ?? (running && !Number.isNaN(ps) ? ctx.now - ps : null);
      const left = Number.isNaN(ps) ? 0 : Math.min(99, pct(ps - start));
      const width = dur === null ? 0 : Math.max(1, Math.min(100 - left, pct(dur)));
      // A phase left `building` by an interrupted build did not finish: shown as such.
      const status = p.status === 'building' && v.status === 'interrupted' ? 'interrupted' : p.status;
      const open = status === 'failed' || running;
      return html`<li>
        <details class="phase st-${status}" id="phase-${v.job.id}-${p.name}" ${open ? html` open` : ''}>
          <summary>
            <span class="pname">${p.name}</span>${badge(status as RowStatus)}<span class="dur"
              >${status === 'pending' || status === 'skipped' ? '' : running ? `${formatDuration(dur)}…` : formatDuration(dur)}</span
            ><span class="track" aria-hidden="true"
              >${width && status !== 'skipped' ? html`<span class="bar l${left} w${width}"></span>` : ''}</span
            >
          </summary>
          <div class="phase-body">${phaseBody(p, v, ctx)}</div>
        </details>
      </li>`;
    })}
  </ol>`;
}

function phaseBody(p: PhaseView, v: JobView, ctx: ViewContext): Html {
  const errors = v.job.errors.filter((e) => e.phase === p.name);
  const errs = errors.length
    ? html`<ul class="errors">
        ${errors.map((e) => errorLine(e, false))}
      </ul>`
    : '';
  if (p.status === 'pending') return html`<p class="muted">Not started yet.</p>`;
  if (p.status === 'skipped') return html`<p class="muted">Nothing to do in this phase.</p>`;
  if (!p.output)
    return html`${errs}
      <p class="muted">${v.log ? 'This record has one log for the whole build (below).' : 'The log of this build is not included.'}</p>`;
  if (!p.output.text.trim())
    return html`${errs}
      <p class="muted">No output.</p>`;
  return html`${errs}${logBlock(p.output, v.job.id, ctx)}`;
}

/** A log as text: each line escaped, lines saying `error`/`warning` marked for colour. */
function logBlock(log: LogText, jobId: string, ctx: ViewContext): Html {
  const link = ctx.links.log(jobId);
  const lines = stripAnsi(log.text).replace(/\n$/, '').split('\n');
  const body = lines.map((line) => {
    const cls = /^(error|✘|\s*\[ERROR\])/i.test(line)
      ? 'e'
      : /^(warning|▲|\s*\[WARNING\])/i.test(line)
        ? 'w'
        : /^\[build-system\]/.test(line)
          ? 'm'
          : '';
    // The line break is data, not template text: a formatter may fold whitespace in the template.
    return [cls ? html`<span class="${cls}">${line}</span>` : line, '\n'];
  });
  return html`${log.omitted ? html`<div class="omitted">${formatBytes(log.omitted)} of earlier output not shown${link ? html` · <a href="${link}">full log</a>` : ''}</div>` : ''}
    <pre class="log" tabindex="0">${body}</pre>`;
}

function artifactsSection(artifacts: Artifact[]): Html {
  if (!artifacts.length) return html``;
  const total = artifacts.reduce((n, a) => n + (a.size || 0), 0);
  return html`<section class="block">
    <h2>Artifacts <span class="n">${artifacts.length}</span> <span class="small muted">${formatBytes(total)}</span></h2>
    <div class="table-wrap">
      <table class="artifacts">
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col" class="num">Size</th>
            <th scope="col">Checksum</th>
            <th scope="col">Type</th>
          </tr>
        </thead>
        <tbody>
          ${artifacts.map(
            (a) =>
              html`<tr>
                <td data-label="File"><code>${a.path}</code></td>
                <td data-label="Size" class="num">${formatBytes(a.size)}</td>
                <td data-label="Checksum"><code class="sum" title="${a.checksum}">${shortSum(a.checksum)}</code></td>
                <td data-label="Type">${a.mimeType ?? '—'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

const shortSum = (checksum: string) => {
  const [algo, hex] = checksum.includes(':') ? checksum.split(':', 2) : ['', checksum];
  return `${algo ? `${algo}:` : ''}${hex.slice(0, 16)}…`;
};

function historySection(history: HistoryEntry[], ctx: ViewContext, currentId?: string): Html {
  if (!history.length) return html``;
  return html`<section class="block">
    <h2>History <span class="n">${history.length}</span></h2>
    <div class="table-wrap">
      <table class="history">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Status</th>
            <th scope="col">Cache</th>
            <th scope="col" class="num">Duration</th>
            <th scope="col">Started by</th>
            <th scope="col">Builder</th>
            <th scope="col">Job</th>
          </tr>
        </thead>
        <tbody>
          ${history.map(
            (h) =>
              html`<tr${h.id === currentId ? html` class="current"` : ''}><td data-label="Started">${time(h.startTime)}</td><td data-label="Status">${badge(h.status)}${
                h.firstError ? html`<div class="note fail">${h.firstError.message}</div>` : ''
              }</td><td data-label="Cache">${h.cache}</td><td data-label="Duration" class="num">${formatDuration(h.durationMs)}</td><td data-label="Started by">${h.trigger ?? '—'}</td><td data-label="Builder">${h.builder}</td><td data-label="Job"><a href="${ctx.links.job(h.id)}"><code>${h.id}</code></a></td></tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

// --------------------------------------------------------------------------------- job view

export function renderJobView(v: JobView, packageName: string, ctx: ViewContext): Html {
  const j = v.job;
  return html`<nav class="crumbs" aria-label="Breadcrumb">
      <a href="${ctx.links.home}">Packages</a><span class="sep">›</span><a href="${ctx.links.pkg(packageName)}">${packageName}</a
      ><span class="sep">›</span><span><code>${j.id}</code></span>
    </nav>
    <header class="head">
      <div class="title">
        <h1>${packageName}</h1>
        ${badge(v.status)}
      </div>
      <div class="meta">
        <span>job <code>${j.id}</code></span
        ><span>${j.environment}</span>
      </div>
    </header>
    <div class="cards">${jobSummaryCard(v, ctx, 'Build')}</div>
    ${jobSections(v, ctx)}`;
}

export function renderNotFound(what: string, ctx: ViewContext): Html {
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="${ctx.links.home}">Packages</a></nav>
    <section class="card bad">
      <h1>Not found</h1>
      <p>${what}</p>
    </section>`;
}

// --------------------------------------------------------------------------------- document

export interface DocumentOptions {
  title: string;
  /** The workspace's name, shown in the header. */
  workspace: string;
  mode: 'serve' | 'report';
  /** Random per response: lets exactly this page's own style and script run. */
  nonce: string;
  /** serve: the one view. */
  main?: Html;
  /** report: every view, by route (`/`, `/packages/<name>`, `/jobs/<id>`). */
  routes?: { route: string; body: Html }[];
  /** serve: the token state-changing requests carry. */
  token?: string;
  /** report: data inlined for tools (escaped for a script element). */
  data?: unknown;
  generatedAt?: string;
}

/** The Content-Security-Policy of the page: its own nonce'd style and script, nothing loaded from anywhere. */
export function contentSecurityPolicy(nonce: string, mode: 'serve' | 'report'): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    `connect-src ${mode === 'serve' ? "'self'" : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
    ...(mode === 'serve' ? ["frame-ancestors 'none'"] : []),
  ].join('; ');
}

export function renderDocument(o: DocumentOptions): string {
  const body =
    o.mode === 'serve'
      ? html`<main id="view">${o.main ?? ''}</main>`
      : html`<main id="view">
          ${(o.routes ?? []).map((r, i) => html`<section class="route" data-route="${r.route}" ${i === 0 ? '' : html` hidden`}>${r.body}</section>`)}
        </main>`;
  // prettier-ignore
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${o.mode === 'report' ? html`<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(o.nonce, 'report')}">` : ''}
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
${o.token ? html`<meta name="build-system-token" content="${o.token}">` : ''}
<title>${o.title}</title>
<style nonce="${o.nonce}">${new Html(STYLES)}</style>
</head>
<body data-mode="${o.mode}">
<header class="top">
  <a class="brand" href="${o.mode === 'serve' ? '/' : '#/'}"><span class="logo" aria-hidden="true">▦</span>Package builds</a>
  <span class="ws" title="workspace">${o.workspace}</span>
  ${
    o.mode === 'serve'
      ? html`<span class="flash" id="flash" role="status" aria-live="polite"></span><span class="live" id="live" data-state="connecting"><span class="dot" aria-hidden="true"></span><span class="live-text">connecting</span></span>`
      : html`<span class="live" data-state="report">report · ${o.generatedAt ? formatTime(o.generatedAt) : ''}</span>`
  }
</header>
${body}
${o.data !== undefined ? html`<script type="application/json" id="build-data">${new Html(inlineJson(o.data))}</script>` : ''}
<script nonce="${o.nonce}">${new Html(CLIENT_SCRIPT)}</script>
</body>
</html>
`.value;
}
