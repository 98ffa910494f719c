import { describe, expect, it } from 'vitest';
import type { BuildJob } from '../core/records/types';
import type { JobView, PackageDetail, PackageRow } from './data';
import { esc, html, Html, inlineJson } from './html';
import { markdownSummary, md } from './report';
import { renderDocument, renderPackagesView, renderPackageView, REPORT_LINKS, SERVE_LINKS, type ViewContext } from './render';
import { matchRoute } from './server';

const EVIL = `<img src=x onerror="alert(1)">'"&\`</script>`;
const ctx: ViewContext = { links: SERVE_LINKS, actions: true, now: Date.parse('2026-01-01T00:01:00Z') };

const job = (over: Partial<BuildJob> = {}): BuildJob => ({
  schemaVersion: 1,
  id: '20260101T000000000Z-abc',
  packageName: EVIL,
  packagePath: 'packages/evil',
  builder: 'esbuild',
  requestedBuilder: 'esbuild',
  environment: 'production',
  inputHash: null,
  cache: 'miss',
  startTime: '2026-01-01T00:00:00.000Z',
  endTime: '2026-01-01T00:00:01.000Z',
  status: 'failed',
  exitCode: 1,
  durationMs: 1000,
  phases: [
    {
      name: 'validate',
      status: 'success',
      startTime: '2026-01-01T00:00:00.000Z',
      endTime: '2026-01-01T00:00:00.100Z',
      durationMs: 100,
      log: { start: 0, end: 0 },
    },
    {
      name: 'build',
      status: 'failed',
      startTime: '2026-01-01T00:00:00.100Z',
      endTime: '2026-01-01T00:00:01.000Z',
      durationMs: 900,
      log: { start: 0, end: 40 },
    },
  ],
  artifacts: [{ path: `dist/${EVIL}.js`, size: 10, checksum: 'sha256:abcdef0123456789abcdef' }],
  errors: [{ code: 'COMPILE_ERROR', message: EVIL, phase: 'build', file: `src/${EVIL}.ts`, line: 2, column: 3 }],
  logs: 'packages/evil/.build-cache/logs/x.log',
  metadata: {},
  ...over,
});

const row: PackageRow = {
  name: EVIL,
  displayName: EVIL,
  path: 'packages/evil',
  builder: 'esbuild',
  status: 'failed',
  jobId: '20260101T000000000Z-abc',
  cache: 'miss',
  trigger: 'cli',
  startTime: '2026-01-01T00:00:00.000Z',
  endTime: '2026-01-01T00:00:01.000Z',
  durationMs: 1000,
  phase: null,
  stale: true,
  reasons: [EVIL],
  artifacts: { count: 1, bytes: 10 },
  failure: { phase: 'build', error: { code: 'COMPILE_ERROR', message: EVIL, file: 'src/a.ts', line: 2, column: 3 } },
};

/** No tag of the markup may come from data: every `<` in the output is one the templates wrote. */
function tagsOf(markup: string): string[] {
  return [...markup.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1].toLowerCase());
}

describe('escaping', () => {
  it('esc and html escape every interpolation unless it is Html', () => {
    expect(esc(EVIL)).toBe('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&quot;&amp;&#96;&lt;/script&gt;');
    expect(html`<p title="${EVIL}">${EVIL}</p>`.value).not.toContain('<img');
    expect(html`<p>${html`<b>${'x'}</b>`}</p>`.value).toBe('<p><b>x</b></p>');
    expect(html`${[EVIL, new Html('<i>ok</i>')]}${null}${undefined}${false}`.value).toBe(`${esc(EVIL)}<i>ok</i>`);
  });

  it('inlined JSON cannot end its script element and reads back the same', () => {
    const text = inlineJson({ a: EVIL, b: '\u2028' });
    expect(text).not.toMatch(/[<>]/);
    expect(JSON.parse(text)).toEqual({ a: EVIL, b: '\u2028' });
  });

  it('the packages view and the package view render names, messages, paths and logs as text', () => {
    const view: JobView = {
      job: job(),
      status: 'failed',
      phases: job().phases.map((p) => ({ ...p, output: { text: `${EVIL}\nerror: ${EVIL}\n`, omitted: 0 } })),
      logSize: 40,
    };
    const detail: PackageDetail = {
      row,
      summary: { name: EVIL, path: 'packages/evil', dependencies: [] },
      latest: view,
      lastCompleted: null,
      history: [
        {
          id: view.job.id,
          status: 'failed',
          cache: 'miss',
          builder: 'esbuild',
          environment: 'production',
          trigger: EVIL,
          startTime: view.job.startTime,
          durationMs: 1000,
          artifacts: 1,
          firstError: view.job.errors[0],
        },
      ],
    };
    for (const markup of [renderPackagesView([row], ctx).value, renderPackageView(detail, ctx).value]) {
      expect(markup).not.toContain('<img');
      expect(markup).not.toContain('</script>');
      expect(tagsOf(markup).every((t) => !['img', 'script', 'iframe', 'svg'].includes(t))).toBe(true);
      expect(markup).toContain(esc(EVIL));
      expect(markup).toContain(`<span class="display-name">${esc(EVIL)}</span>`);
    }
  });

  it('a running build with an upload configured shows its upload phase pending, after the phase that runs', () => {
    const running = job({
      status: 'building',
      endTime: null,
      exitCode: null,
      durationMs: null,
      errors: [],
      phases: [
        { ...job().phases[0] },
        { name: 'build', status: 'building', startTime: '2026-01-01T00:00:00.100Z', endTime: null, durationMs: null },
        { name: 'upload', status: 'pending', startTime: null, endTime: null, durationMs: null },
      ],
    });
    const view: JobView = { job: running, status: 'building', phases: running.phases, logSize: 0 };
    const markup = renderPackageView(
      {
        row: { ...row, status: 'building' },
        summary: { name: 'a', path: 'packages/a', dependencies: [] },
        latest: view,
        lastCompleted: null,
        history: [],
      },
      ctx,
    ).value;
    const phases = [...markup.matchAll(/<details class="phase st-(\w+)" id="phase-[^"]*-(\w+)"/g)].map((m) => [m[2], m[1]]);
    expect(phases).toEqual([
      ['validate', 'success'],
      ['build', 'building'],
      ['upload', 'pending'],
    ]);
    expect(markup).toContain('Not started yet.');
  });

  it('a log keeps its lines: one per line of the pre, marked lines too', () => {
    const view: JobView = {
      job: job(),
      status: 'failed',
      phases: job().phases.map((p) => ({ ...p, output: { text: 'first line\nerror: second line\nthird line\n', omitted: 0 } })),
      logSize: 40,
    };
    const markup = renderPackageView(
      { row, summary: { name: 'a', path: 'packages/a', dependencies: [] }, latest: view, lastCompleted: null, history: [] },
      ctx,
    ).value;
    const pre = /<pre class="log"[^>]*>([\s\S]*?)<\/pre>/.exec(markup)![1];
    expect(pre).toBe('first line\n<span class="e">error: second line</span>\nthird line\n');
  });

  it('links carry names encoded; the report links by hash and has no buttons', () => {
    expect(SERVE_LINKS.pkg('@scope/a b')).toBe('/packages/@scope/a%20b');
    expect(REPORT_LINKS.pkg('@scope/a"b')).toBe('#/packages/@scope/a%22b');
    const report = renderPackagesView([row], { ...ctx, links: REPORT_LINKS, actions: false }).value;
    expect(report).not.toContain('data-rebuild');
    expect(report).toContain('href="#/packages/');
  });

  it('the document runs only its own nonce; the report connects nowhere', () => {
    const doc = renderDocument({
      title: EVIL,
      workspace: EVIL,
      mode: 'report',
      nonce: 'n0nce',
      routes: [{ route: '/', body: html`<p>x</p>` }],
      data: { x: EVIL },
    });
    // In an attribute, so escaped: the browser reads it back as written.
    expect(doc).toContain(esc(`script-src 'nonce-n0nce'`));
    expect(doc).toContain(esc(`connect-src 'none'`));
    expect(doc.match(/<script/g)!.length).toBe(2);
    expect(doc).toContain('<script nonce="n0nce">');
    expect(doc).not.toContain('<img');
  });
});

describe('routes', () => {
  it.each([
    ['/', { name: 'home' }],
    ['/packages/@t/a', { name: 'package', arg: '@t/a' }],
    ['/packages/%40t%2Fa', { name: 'package', arg: '@t/a' }],
    ['/jobs/abc', { name: 'job', arg: 'abc' }],
    ['/api/packages', { name: 'api-packages' }],
    ['/api/packages/@t/a', { name: 'api-package', arg: '@t/a' }],
    ['/api/packages/@t/a/rebuild', { name: 'api-rebuild', method: 'POST', arg: '@t/a' }],
    ['/api/jobs/abc', { name: 'api-job', arg: 'abc' }],
    ['/api/jobs/abc/log', { name: 'api-job-log', arg: 'abc' }],
    ['/api/events', { name: 'api-events' }],
  ])('%s', (path, expected) => {
    expect(matchRoute(path)).toMatchObject(expected);
  });

  it.each(['/packages/', '/packages/%ZZ', '/api/unknown', '/jobs/', '/api/packages/%00/rebuild'])('%s matches nothing', (path) => {
    expect(matchRoute(path)).toBeUndefined();
  });
});

describe('markdown summary', () => {
  it('escapes HTML and table syntax in cells', () => {
    expect(md('a|b<c>*d*\n`e`')).toBe('a\\|b&lt;c&gt;\\*d\\* \\`e\\`');
    const out = markdownSummary([row], { workspace: 'ws' });
    expect(out).not.toContain('<img');
    expect(out.split('\n').filter((l) => l.startsWith('| ')).length).toBe(2);
  });

  it('stays under the byte limit, saying how many packages it left out', () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ ...row, name: `@scope/package-number-${i}` }));
    const out = markdownSummary(many, { workspace: 'ws', maxBytes: 20_000 });
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(20_000);
    expect(out).toMatch(/\d+ more packages not shown/);
  });
});
