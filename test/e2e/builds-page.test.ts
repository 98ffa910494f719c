import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, launchBrowser } from '../helpers/browser';
import { HOLD_IF_ASKED_SCRIPT, readLatest, spawnCli, waitForPhase, type Spawned } from '../helpers/live';
import { createWorkspace, REPO_ROOT, waitFor, type TempWorkspace } from '../helpers/workspace';

/** Screenshots for docs/ are written only when asked, so a test run leaves the tree clean. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const XSS_LINE = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;

const config = (extra: string) => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'esbuild',
  entry: 'src/index.ts',
  outputDir: 'dist',${extra}
});
`;

describe('the builds page: serve, the API, the browser, the report (real processes, real chromium)', () => {
  let ws: TempWorkspace;
  let server: Spawned;
  let base: string;
  let token: string;
  let browser: Browser;

  const hold = (dir: string) => {
    rmSync(ws.path(dir, 'release'), { force: true });
    writeFileSync(ws.path(dir, 'hold'), '');
  };
  const release = (dir: string) => {
    writeFileSync(ws.path(dir, 'release'), '');
    rmSync(ws.path(dir, 'hold'), { force: true });
  };
  const own = { Host: '', Origin: '' };
  const post = (path: string, headers: Record<string, string>) => http(`${base}${path.slice(1)}`, { method: 'POST', headers, body: '{}' });
  const jobCount = (dir: string) => ws.jobs(dir).length;

  beforeAll(async () => {
    ws = createWorkspace({
      packages: {
        'packages/alpha': {
          name: '@t/alpha',
          config: config(`\n  prebuild: 'node hold.mjs',`),
          files: { 'hold.mjs': HOLD_IF_ASKED_SCRIPT, 'src/index.ts': 'export const alpha = 1;\n' },
        },
        'packages/beta': {
          name: '@t/beta',
          config: config(`\n  prebuild: 'node print.mjs',`),
          files: {
            'print.mjs': `console.log(${JSON.stringify(XSS_LINE)});\nconsole.log('beta prebuild done');\n`,
            'src/index.ts': 'export const beta = 2;\n',
          },
        },
        'packages/gamma': {
          name: '@t/gamma',
          config: config(`\n  prebuild: 'node gen.mjs',`),
          files: {
            'gen.mjs': "console.log('generating src/version.ts from package.json');\nconsole.log('wrote src/version.ts (1 export)');\n",
            'src/index.ts': 'export const gamma = (;\n',
          },
        },
        'packages/delta': { name: '@t/delta', config: config(''), files: { 'src/index.ts': 'export const delta = 4;\n' } },
      },
    });
    for (const p of ['@t/alpha', '@t/beta']) expect(ws.cli(['build', p]).code).toBe(0);
    expect(ws.cli(['build', '@t/gamma']).code).toBe(1);

    server = spawnCli(ws, ['serve', '--port', '0'], { BUILD_SYSTEM_LOCK_STALE_MS: '2000' });
    await waitFor(() => /http:\/\/127\.0\.0\.1:\d+\//.test(server.output()), 60_000, 'the server to listen');
    base = /http:\/\/127\.0\.0\.1:\d+\//.exec(server.output())![0];
    own.Host = new URL(base).host;
    own.Origin = base.slice(0, -1);
    const home = await http(base);
    token = /<meta name="build-system-token" content="([^"]+)">/.exec(home.body)![1];
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGINT');
      await server.done;
    }
    ws?.dispose();
  });

  describe('HTTP', () => {
    it('GET /api/packages lists every package with its status', async () => {
      const r = await http(`${base}api/packages`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toContain('application/json');
      const byName = Object.fromEntries(r.json().packages.map((p: any) => [p.name, p]));
      expect(Object.keys(byName).sort()).toEqual(['@t/alpha', '@t/beta', '@t/delta', '@t/gamma']);
      expect(byName['@t/alpha']).toMatchObject({ status: 'success', builder: 'esbuild', stale: false, trigger: 'cli' });
      expect(byName['@t/gamma']).toMatchObject({
        status: 'failed',
        failure: { phase: 'build', error: { code: 'COMPILE_ERROR', line: 1 } },
      });
      expect(byName['@t/delta']).toMatchObject({ status: 'never-built', jobId: null, stale: true });
    });

    it('a package, a job and its log; unknown ones are 404 JSON', async () => {
      const pkg = await http(`${base}api/packages/@t/beta`);
      expect(pkg.status).toBe(200);
      const body = pkg.json();
      expect(body.latest.job.packageName).toBe('@t/beta');
      expect(body.history.length).toBe(1);
      const id = body.latest.job.id;
      const job = await http(`${base}api/jobs/${id}`);
      expect(job.json()).toMatchObject({ package: '@t/beta', status: 'success', job: { id } });
      const log = await http(`${base}api/jobs/${id}/log`);
      expect(log.headers['content-type']).toContain('text/plain');
      expect(log.body).toContain(XSS_LINE);
      // An encoded name is the same package.
      expect((await http(`${base}api/packages/%40t%2Fbeta`)).status).toBe(200);

      for (const path of [
        'api/packages/@t/nope',
        'api/jobs/20990101T000000000Z-none',
        'api/jobs/..%2F..%2Flatest',
        'api/jobs/%2e%2e/log',
        'api/nothing',
      ]) {
        const r = await http(`${base}${path}`);
        expect(r.status, path).toBe(404);
        expect(r.headers['content-type'], path).toContain('application/json');
        expect(r.json().error.code, path).toBe('NOT_FOUND');
      }
      expect((await http(`${base}packages/..%2F..%2Fetc`)).status).toBe(404);
      expect((await http(`${base}jobs/..%2F..%2Flatest`)).status).toBe(404);
      expect((await http(`${base}api/jobs/%2e%2e%2f%2e%2e%2flatest`)).status).toBe(404);
    });

    it('refuses a foreign Host or Origin (DNS rebinding) and a POST without the token: 403, nothing starts', async () => {
      const before = jobCount('packages/delta');
      const refused = [
        await post('/api/packages/@t/delta/rebuild', { Host: own.Host, Origin: own.Origin }),
        await post('/api/packages/@t/delta/rebuild', {
          Host: own.Host,
          Origin: own.Origin,
          'X-Build-System-Token': 'wrong-token-000000000000',
        }),
        await post('/api/packages/@t/delta/rebuild', { Host: own.Host, Origin: 'http://evil.example', 'X-Build-System-Token': token }),
        await post('/api/packages/@t/delta/rebuild', { Host: `evil.example:${new URL(base).port}`, 'X-Build-System-Token': token }),
        await post('/api/packages/@t/delta/rebuild', { Host: own.Host, Origin: 'null', 'X-Build-System-Token': token }),
      ];
      expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
      expect(refused.every((r) => r.json().error.code === 'FORBIDDEN')).toBe(true);
      // Reads are refused under a foreign name too: a rebinding page cannot read the token.
      const read = await http(base, { headers: { Host: `rebind.example:${new URL(base).port}` } });
      expect(read.status).toBe(403);
      expect(read.body).not.toContain(token);
      expect((await http(`${base}api/packages`, { headers: { Host: own.Host, Origin: 'http://evil.example' } })).status).toBe(403);
      expect(jobCount('packages/delta')).toBe(before);
      expect(readLatest(ws, 'packages/delta')).toBeUndefined();
    });

    it('--host beyond loopback needs --token, and then every request carries it', async () => {
      const refused = ws.cli(['serve', '--host', '0.0.0.0', '--port', '0', '--json']);
      expect(refused.code, refused.output).toBe(2);
      expect(JSON.parse(refused.stdout).errors[0]).toMatchObject({ code: 'USAGE', message: expect.stringContaining('--token') });
      const secret = 'a-test-token-0123456789';
      const open = spawnCli(ws, ['serve', '--host', '0.0.0.0', '--port', '0', '--token', secret, '--json']);
      try {
        await waitFor(() => /\{"url".*\}/.test(open.output()), 60_000, 'the server to listen');
        const { url, port } = JSON.parse(/\{"url".*\}/.exec(open.output())![0]);
        expect(url).toContain(`?token=${secret}`);
        const root = `http://127.0.0.1:${port}/`;
        expect((await http(root)).status).toBe(403);
        expect((await http(`${root}api/packages`)).status).toBe(403);
        const first = await http(`${root}?token=${secret}`);
        expect(first.status).toBe(303);
        expect(first.headers.location).toBe('/');
        const cookie = String(first.headers['set-cookie']).split(';')[0];
        expect((await http(root, { headers: { Cookie: cookie } })).status).toBe(200);
        expect((await http(`${root}api/packages`, { headers: { 'X-Build-System-Token': secret } })).status).toBe(200);
        // A state change still needs the token itself, not the cookie a browser would send along.
        const before = jobCount('packages/delta');
        expect((await http(`${root}api/packages/@t/delta/rebuild`, { method: 'POST', headers: { Cookie: cookie } })).status).toBe(403);
        expect(jobCount('packages/delta')).toBe(before);
      } finally {
        open.child.kill('SIGINT');
        await open.done;
      }
    });

    it('a rebuild while one runs is 409, whether the page or the CLI started it', async () => {
      hold('packages/alpha');
      try {
        const headers = { Host: own.Host, Origin: own.Origin, 'X-Build-System-Token': token };
        const [first, second] = await Promise.all([
          post('/api/packages/@t/alpha/rebuild', headers),
          post('/api/packages/@t/alpha/rebuild', headers),
        ]);
        expect([first.status, second.status].sort()).toEqual([202, 409]);
        const conflict = first.status === 409 ? first : second;
        expect(conflict.json().error.code).toBe('BUILD_RUNNING');
        const held = await waitForPhase(ws, 'packages/alpha', 'prebuild');
        expect(held.trigger).toBe('page');
        expect((await post('/api/packages/@t/alpha/rebuild', headers)).status).toBe(409);
        release('packages/alpha');
        await waitFor(
          () => readLatest(ws, 'packages/alpha')?.status === 'success' && readLatest(ws, 'packages/alpha').id === held.id,
          60_000,
          'the page build',
        );

        // Started by the CLI in another process: the record says so.
        hold('packages/alpha');
        // Forced: the CLI would find an unchanged package up to date and never reach the hook.
        const cli = spawnCli(ws, ['build', '@t/alpha', '--force']);
        await waitForPhase(ws, 'packages/alpha', 'prebuild');
        const r = await post('/api/packages/@t/alpha/rebuild', headers);
        expect(r.status).toBe(409);
        expect(r.json().error.message).toContain('started by cli');
        release('packages/alpha');
        expect((await cli.done).code).toBe(0);
      } finally {
        release('packages/alpha');
      }
    });
  });

  describe('in the browser', () => {
    let page: Page;
    beforeAll(async () => {
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    });
    afterAll(() => page?.close());

    const row = (name: string) => page.locator(`tr[data-package="${name}"]`);

    it('lists the packages with their statuses', async () => {
      await page.goto(base);
      await expect.poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 30_000 }).toBe('live');
      expect(await page.locator('tbody tr.row').count()).toBe(4);
      expect(await row('@t/alpha').locator('.badge').first().innerText()).toContain('successful');
      expect(await row('@t/gamma').locator('.badge').first().innerText()).toContain('failed');
      expect(await row('@t/gamma').innerText()).toContain('failed in build');
      expect(await row('@t/delta').locator('.badge').first().innerText()).toContain('never built');
    });

    it('expanding a phase shows its log; a log holding markup shows it as text and runs nothing', async () => {
      await page.goto(`${base}packages/@t/beta`);
      const phase = page.locator('details.phase[id$="-prebuild"]');
      expect(await phase.getAttribute('open')).toBeNull();
      expect(await phase.locator('pre.log').isVisible()).toBe(false);
      await phase.locator('summary').click();
      const log = phase.locator('pre.log');
      await expect.poll(() => log.isVisible(), { timeout: 30_000 }).toBe(true);
      const text = await log.innerText();
      // One line of the log per line on the page.
      expect(text.split('\n')).toEqual(expect.arrayContaining([XSS_LINE, 'beta prebuild done']));
      expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('main script').count()).toBe(0);
    });

    it('clicking Rebuild shows building, then successful, without a reload', async () => {
      await page.goto(`${base}packages/@t/alpha`);
      await expect.poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 30_000 }).toBe('live');
      await page.evaluate(() => ((window as any).__samePage = true));
      const before = readLatest(ws, 'packages/alpha').id;
      hold('packages/alpha');
      try {
        await page.locator('button[data-rebuild="@t/alpha"]').click();
        const status = page.locator('.head .badge');
        await expect.poll(() => status.innerText(), { timeout: 60_000 }).toContain('building');
        await expect
          .poll(() => page.locator('details.phase[id$="-prebuild"] .badge').innerText(), { timeout: 30_000 })
          .toContain('building');
        // The running phase is open, its output arriving as the build writes it.
        await expect
          .poll(() => page.locator('details.phase[id$="-prebuild"] pre.log').innerText(), { timeout: 30_000 })
          .toContain('holding until ./release exists');
        release('packages/alpha');
        await expect.poll(() => status.innerText(), { timeout: 60_000 }).toContain('successful');
      } finally {
        release('packages/alpha');
      }
      expect(await page.evaluate(() => (window as any).__samePage)).toBe(true);
      const latest = readLatest(ws, 'packages/alpha');
      expect(latest.id).not.toBe(before);
      expect(latest.trigger).toBe('page');
      expect(await page.locator('.history tbody tr').first().innerText()).toContain('page');
    });

    it('a build started with nx in another process appears live', async () => {
      await page.goto(base);
      await expect.poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 30_000 }).toBe('live');
      await page.evaluate(() => ((window as any).__samePage = true));
      hold('packages/alpha');
      const nx = ws.spawnNx(['run', '@t/alpha:build', '--skip-nx-cache']);
      try {
        await expect.poll(() => row('@t/alpha').getAttribute('data-status'), { timeout: 120_000 }).toBe('building');
        expect(await row('@t/alpha').innerText()).toContain('phase prebuild');
        expect(await row('@t/alpha').innerText()).toContain('started by nx');
        release('packages/alpha');
        await expect.poll(() => row('@t/alpha').getAttribute('data-status'), { timeout: 120_000 }).toBe('success');
        expect(await row('@t/alpha').locator('.badge').first().innerText()).toContain('successful');
      } finally {
        release('packages/alpha');
        await nx.done;
      }
      expect(await page.evaluate(() => (window as any).__samePage)).toBe(true);
      expect(readLatest(ws, 'packages/alpha').trigger).toBe('nx');
    });

    it('is usable on a phone: the table becomes one card per package', async () => {
      const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      try {
        await phone.goto(base);
        const width = await phone.evaluate(() => document.documentElement.scrollWidth);
        expect(width).toBeLessThanOrEqual(390);
        expect(await phone.locator('table.packages thead').isVisible()).toBe(false);
        expect(await phone.locator('tr[data-package="@t/gamma"]').innerText()).toContain('failed');
      } finally {
        await phone.close();
      }
    });

    it.runIf(SCREENSHOTS)('screenshots for docs/ (UPDATE_SCREENSHOTS=1)', async () => {
      const shots = await browser.newPage({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
      try {
        mkdirSync(join(REPO_ROOT, 'docs', 'images'), { recursive: true });
        await shots.goto(base);
        await expect.poll(() => shots.locator('#live').getAttribute('data-state'), { timeout: 30_000 }).toBe('live');
        await shots.screenshot({ path: join(REPO_ROOT, 'docs', 'images', 'builds-page.png'), fullPage: true });
        await shots.goto(`${base}packages/@t/gamma`);
        await expect.poll(() => shots.locator('#live').getAttribute('data-state'), { timeout: 30_000 }).toBe('live');
        await shots.locator('details.phase[id$="-prebuild"] summary').click();
        await shots.screenshot({ path: join(REPO_ROOT, 'docs', 'images', 'package-page.png'), fullPage: true });
      } finally {
        await shots.close();
      }
    });
  });

  describe('build-system report', () => {
    let dir: string;
    beforeAll(() => {
      dir = ws.path('out');
      mkdirSync(dir, { recursive: true });
    });

    it('a killed build shows interrupted: on the page, in the HTML report and in the markdown summary', async () => {
      hold('packages/alpha');
      const run = spawnCli(ws, ['build', '@t/alpha', '--force'], {}, true);
      await waitForPhase(ws, 'packages/alpha', 'prebuild');
      process.kill(-run.child.pid!, 'SIGKILL');
      await run.done;
      release('packages/alpha');

      const api = (await http(`${base}api/packages`)).json().packages.find((p: any) => p.name === '@t/alpha');
      expect(api.status).toBe('interrupted');

      const summary = join(dir, 'summary.md');
      writeFileSync(summary, '# earlier step\n');
      const r = ws.cli(['report', '--out', 'out/report.html', '--markdown'], { GITHUB_STEP_SUMMARY: summary });
      expect(r.code, r.output).toBe(0);
      expect(r.stderr).toContain('wrote out/report.html (4 packages)');
      const md = r.stdout;
      expect(md).toContain('| Package | Status |');
      for (const name of ['@t/alpha', '@t/beta', '@t/gamma', '@t/delta']) expect(md).toContain(name.replace('/', '/'));
      expect(md).toMatch(/@t\/alpha \| ⚠️ interrupted/);
      expect(md).toMatch(/@t\/gamma \| ❌ failed \(build\)/);
      expect(md).toContain('[COMPILE\\_ERROR]');
      // Appended to what the step had written; no raw HTML from a record reaches it.
      expect(readFileSync(summary, 'utf8')).toBe(`# earlier step\n${md}`);
      expect(md).not.toContain('<');

      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      // Self-contained: nothing to fetch.
      expect(html).not.toMatch(/<(script|img|iframe)[^>]*\ssrc=/i);
      expect(html).not.toMatch(/<link[^>]*rel="?stylesheet/i);
      expect(html).not.toMatch(/url\(\s*['"]?(https?:)?\/\//i);
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
      expect(html).toContain('Content-Security-Policy');
      const data = JSON.parse(/<script type="application\/json" id="build-data">([\s\S]*?)<\/script>/.exec(html)![1]);
      expect(data.packages.map((p: any) => [p.name, p.status]).sort()).toEqual([
        ['@t/alpha', 'interrupted'],
        ['@t/beta', 'success'],
        ['@t/delta', 'never-built'],
        ['@t/gamma', 'failed'],
      ]);
      // The inlined data cannot close its script element.
      expect(/<script type="application\/json" id="build-data">([\s\S]*?)<\/script>/.exec(html)![1]).not.toContain('<');
    });

    it('the report opens offline in the browser and holds every package, its views and logs as text', async () => {
      const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      try {
        await page.goto(`file://${join(dir, 'report.html')}`);
        const rows = page.locator('section.route:not([hidden]) tr.row');
        expect(await rows.count()).toBe(4);
        expect(await page.locator('section.route:not([hidden]) tr[data-package="@t/alpha"] .badge').first().innerText()).toContain(
          'interrupted',
        );
        expect(await page.locator('button[data-rebuild]').count()).toBe(0);

        await page.locator('section.route:not([hidden]) a', { hasText: '@t/beta' }).click();
        const view = page.locator('section.route:not([hidden])');
        await expect.poll(() => view.locator('h1').innerText(), { timeout: 30_000 }).toBe('@t/beta');
        await view.locator('details.phase[id$="-prebuild"] summary').click();
        expect(await view.locator('details.phase[id$="-prebuild"] pre.log').innerText()).toContain(XSS_LINE);
        expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();

        // A job of the history, then back.
        await view.locator('.history a').first().click();
        await expect.poll(() => page.locator('section.route:not([hidden]) .crumbs').innerText(), { timeout: 30_000 }).toContain('@t/beta');
        await page.goBack();
        await expect.poll(() => page.locator('section.route:not([hidden]) h1').innerText(), { timeout: 30_000 }).toBe('@t/beta');
        await page.locator('section.route:not([hidden]) .crumbs a').first().click();
        await expect.poll(() => page.locator('section.route:not([hidden]) tr.row').count(), { timeout: 30_000 }).toBe(4);
      } finally {
        await context.close();
      }
      expect(requests).toEqual([]);
      expect(existsSync(join(dir, 'report.html'))).toBe(true);
    });
  });

  it('Ctrl-C stops the server: exit 0', async () => {
    server.child.kill('SIGINT');
    const r = await server.done;
    expect(r.code, r.output).toBe(0);
  });
});
