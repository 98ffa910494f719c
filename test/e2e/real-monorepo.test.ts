import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helpers shared with scripts/
import { compareSurfaces, readPackageSurface } from '../../scripts/public-surface.mjs';
// @ts-expect-error plain ESM helper shared with scripts/
import { linkWorkspace } from '../../scripts/link-workspace.mjs';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

/**
 * A real monorepo nobody here wrote (test/fixtures/tanstack-query: four TanStack Query packages
 * that depend on each other, built upstream with tsdown), built under `nx run-many`: every
 * package's public surface must match what upstream publishes, export by export
 * (upstream-surface.json, recorded by scripts/snapshot-upstream.mjs), and a consumer must
 * compile against the outputs with `skipLibCheck: false` and run them (import and require).
 *
 * By default: every package with the default builder (under nodenext, node16 and bundler), and
 * each other builder on two representative packages (query-core: 23 entries; its dependent
 * query-persist-client-core), with a node16 consumer. BUILD_SYSTEM_SLOW_TESTS=1: every builder
 * on every package, under every resolution mode (docs/builders.md, "Proven on a real monorepo").
 */
const FIXTURE = join(__dirname, '..', 'fixtures', 'tanstack-query');
const upstream = JSON.parse(readFileSync(join(FIXTURE, 'upstream-surface.json'), 'utf8'));
const packageDirs = readdirSync(join(FIXTURE, 'packages')).sort();
const nameOf = (dir: string): string => JSON.parse(readFileSync(join(FIXTURE, 'packages', dir, 'package.json'), 'utf8')).name;
const SLOW = process.env.BUILD_SYSTEM_SLOW_TESTS === '1';

type Mode = 'nodenext' | 'node16' | 'bundler';
const MODES: Mode[] = ['nodenext', 'node16', 'bundler'];
const REPRESENTATIVE = ['query-core', 'query-persist-client-core'];

/** One workspace: the builder its packages use (`default`: none configured), which packages, which consumer modes. */
interface Plan {
  title: string;
  builder: 'default' | 'esbuild' | 'bun' | 'rollup' | 'tsc';
  dirs: string[];
  modes: Mode[];
}
const PLANS: Plan[] = SLOW
  ? (['esbuild', 'bun', 'rollup', 'tsc'] as const).map((builder) => ({
      title: `${builder}, every package`,
      builder,
      dirs: packageDirs,
      modes: MODES,
    }))
  : [
      { title: 'the default builder (esbuild), every package', builder: 'default', dirs: packageDirs, modes: MODES },
      ...(['bun', 'rollup', 'tsc'] as const).map((builder) => ({
        title: `${builder}, ${REPRESENTATIVE.join(' and ')}`,
        builder,
        dirs: REPRESENTATIVE,
        modes: ['node16'] as Mode[],
      })),
    ];

/** The fixture's packages in a fresh workspace, each `build.config.ts` set to the plan's builder. */
function fixtureWorkspace(plan: Plan): TempWorkspace {
  const ws = createWorkspace();
  cpSync(join(FIXTURE, 'tsconfig.json'), ws.path('tsconfig.json'));
  for (const dir of plan.dirs) {
    cpSync(join(FIXTURE, 'packages', dir), ws.path('packages', dir), { recursive: true });
    const config = ws.read(`packages/${dir}/build.config.ts`);
    expect(config, `${dir}/build.config.ts names its builder`).toMatch(/builder: '\w+',/);
    ws.write(
      `packages/${dir}/build.config.ts`,
      config.replace(/builder: '\w+',/, plan.builder === 'default' ? '' : `builder: '${plan.builder}',`),
    );
  }
  linkWorkspace(
    ws.root,
    plan.dirs.map((d) => `packages/${d}`),
  );
  return ws;
}

/**
 * The consumer's modules. `core` uses query-core and query-persist-client-core; `persisters`
 * the two storage persisters on top of them. Each has type checks that fail when a type is
 * `any` (an unused `@ts-expect-error` is an error) and prints what it observed at run time.
 */
const CONSUMER: Record<'core' | 'persisters', { needs: string[]; source: string }> = {
  core: {
    needs: ['query-core', 'query-persist-client-core'],
    source: `import { QueryClient, dehydrate, hashKey, hydrate } from '@tanstack/query-core';
import { persistQueryClientRestore, persistQueryClientSave } from '@tanstack/query-persist-client-core';
import type { PersistedClient, Persister } from '@tanstack/query-persist-client-core';

type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny: [IsAny<typeof QueryClient>, IsAny<typeof hydrate>, IsAny<typeof persistQueryClientSave>] = [false, false, false];
void notAny;
// No garbage-collection timers: the process ends when the checks do.
const options = { defaultOptions: { queries: { gcTime: Infinity } } };

async function main() {
  const client = new QueryClient(options);
  const n = await client.fetchQuery({ queryKey: ['n'], queryFn: () => 42 });
  // @ts-expect-error the query's data is a number
  const asText: string = n;
  void asText;
  const copy = new QueryClient(options);
  hydrate(copy, dehydrate(client));

  let saved: PersistedClient | undefined;
  const persister: Persister = { persistClient: (c) => void (saved = c), restoreClient: () => saved, removeClient: () => void (saved = undefined) };
  // @ts-expect-error a buster is a string
  const badBuster: PersistedClient['buster'] = 1;
  void badBuster;
  client.setQueryData(['p'], 'kept');
  await persistQueryClientSave({ queryClient: client, persister, buster: 'v1' });
  const restored = new QueryClient(options);
  await persistQueryClientRestore({ queryClient: restored, persister, buster: 'v1' });
  return { core: [n, copy.getQueryData<number>(['n']), hashKey(['a', { b: 1 }]), saved?.buster, restored.getQueryData(['p'])] };
}
main().then((r) => console.log(JSON.stringify(r)));
`,
  },
  persisters: {
    needs: packageDirs,
    source: `import { QueryClient } from '@tanstack/query-core';
import { persistQueryClientRestore, persistQueryClientSave } from '@tanstack/query-persist-client-core';
import { createSyncStoragePersister } from '@tanstack/query-sync-storage-persister';
import { createAsyncStoragePersister } from '@tanstack/query-async-storage-persister';

type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny: [IsAny<typeof createSyncStoragePersister>, IsAny<typeof createAsyncStoragePersister>] = [false, false];
void notAny;
const options = { defaultOptions: { queries: { gcTime: Infinity } } };

async function main() {
  const sync = new Map<string, string>();
  const later = new Map<string, string>();
  const syncPersister = createSyncStoragePersister({
    storage: { getItem: (k) => sync.get(k) ?? null, setItem: (k, v) => void sync.set(k, v), removeItem: (k) => void sync.delete(k) },
    throttleTime: 0,
  });
  const asyncPersister = createAsyncStoragePersister({
    storage: { getItem: async (k) => later.get(k) ?? null, setItem: async (k, v) => void later.set(k, v), removeItem: async (k) => void later.delete(k) },
    throttleTime: 0,
  });
  // @ts-expect-error the storage's keys are strings
  createSyncStoragePersister({ storage: { getItem: (k: number) => String(k), setItem: () => {}, removeItem: () => {} } });
  const client = new QueryClient(options);
  client.setQueryData(['t'], { ok: true });
  await persistQueryClientSave({ queryClient: client, persister: syncPersister });
  await persistQueryClientSave({ queryClient: client, persister: asyncPersister });
  // Both persisters save on a timer (throttled): wait until both stores have the client.
  for (let i = 0; i < 1000 && !(sync.size && later.size); i++) await new Promise((r) => setTimeout(r, 5));
  const fromSync = new QueryClient(options);
  await persistQueryClientRestore({ queryClient: fromSync, persister: syncPersister });
  const fromAsync = new QueryClient(options);
  await persistQueryClientRestore({ queryClient: fromAsync, persister: asyncPersister });
  return { persisters: [[...sync.keys()], [...later.keys()], fromSync.getQueryData(['t']), fromAsync.getQueryData(['t'])] };
}
main().then((r) => console.log(JSON.stringify(r)));
`,
  },
};

/** What each consumer module prints: upstream's behaviour. */
const EXPECTED: Record<keyof typeof CONSUMER, unknown> = {
  core: { core: [42, 42, '["a",{"b":1}]', 'v1', 'kept'] },
  persisters: { persisters: [['REACT_QUERY_OFFLINE_CACHE'], ['REACT_QUERY_OFFLINE_CACHE'], { ok: true }, { ok: true }] },
};

function consumerTsconfig(mode: Mode, include: string[]): string {
  const module =
    mode === 'bundler' ? { module: 'esnext', moduleResolution: 'bundler', noEmit: true } : { module: mode, moduleResolution: mode };
  // skipLibCheck: false checks every package declaration file; TypeScript's own libs are not ours to check.
  const compilerOptions = {
    ...module,
    target: 'ES2022',
    lib: ['ES2022', 'DOM'],
    strict: true,
    skipLibCheck: false,
    skipDefaultLibCheck: true,
  };
  return JSON.stringify({ compilerOptions: { ...compilerOptions, types: [], rootDir: 'src', outDir: `out/${mode}` }, include });
}

/** Consumer modules (`esm-<m>.mts` imports, `cjs-<m>.cts` requires, `bundler-<m>.ts`) for the packages the plan builds. */
function writeConsumer(ws: TempWorkspace, plan: Plan): (keyof typeof CONSUMER)[] {
  const modules = (Object.keys(CONSUMER) as (keyof typeof CONSUMER)[]).filter((m) => CONSUMER[m].needs.every((d) => plan.dirs.includes(d)));
  ws.write('packages/consumer/package.json', JSON.stringify({ name: '@t/consumer', private: true, type: 'module' }));
  for (const m of modules) {
    for (const file of [`esm-${m}.mts`, `cjs-${m}.cts`, `bundler-${m}.ts`]) ws.write(`packages/consumer/src/${file}`, CONSUMER[m].source);
  }
  for (const mode of plan.modes) {
    const include = mode === 'bundler' ? ['src/bundler-*.ts'] : ['src/esm-*.mts', 'src/cjs-*.cts'];
    ws.write(`packages/consumer/tsconfig.${mode}.json`, consumerTsconfig(mode, include));
  }
  return modules;
}

/** The built files an exports map names (every `types` and `default` under `import` and `require`). */
function exportTargets(exportsMap: unknown): string[] {
  if (typeof exportsMap === 'string') return exportsMap.startsWith('./build/') ? [exportsMap] : [];
  return exportsMap && typeof exportsMap === 'object' ? Object.values(exportsMap).flatMap(exportTargets) : [];
}

describe('a real monorepo (TanStack Query, built upstream with tsdown)', () => {
  it('the upstream snapshot covers every vendored package, each with import and require surfaces', () => {
    expect(Object.keys(upstream.packages).sort()).toEqual(packageDirs.map(nameOf).sort());
    for (const pkg of Object.values<any>(upstream.packages)) {
      expect(Object.keys(pkg.entries)).toEqual(['.']);
      for (const c of ['import', 'require']) {
        expect(pkg.entries['.'][c].runtime.length).toBeGreaterThan(0);
        expect(pkg.entries['.'][c].declarationErrors).toEqual([]);
      }
    }
  });

  describe.each(PLANS)('built with $title', (plan) => {
    let ws: TempWorkspace;
    let run: { code: number | null; output: string };
    let modules: (keyof typeof CONSUMER)[];
    const builder = plan.builder === 'default' ? 'esbuild' : plan.builder;
    const tsc = (mode: Mode) =>
      ws.node(
        [ws.path('node_modules/typescript/bin/tsc'), '-p', `tsconfig.${mode}.json`, '--pretty', 'false'],
        ws.path('packages/consumer'),
      );

    beforeAll(() => {
      ws = fixtureWorkspace(plan);
      run = ws.nx(['run-many', '-t', 'build']);
      modules = writeConsumer(ws, plan);
    });
    afterAll(() => ws?.dispose());

    it(`every package builds under nx run-many (${builder}), with each file its exports map names`, () => {
      expect(run.code, run.output).toBe(0);
      for (const dir of plan.dirs) {
        const job = ws.latest(`packages/${dir}`);
        expect([job.status, job.builder, job.errors], dir).toEqual(['success', builder, []]);
        // Only the fields upstream's second build (build/legacy, not reproduced) would write are missing.
        expect(job.checks.map((c: { field: string }) => c.field).sort(), dir).toEqual(['main', 'module', 'types']);
        const targets = exportTargets(ws.json(`packages/${dir}/package.json`).exports);
        expect(targets.length, dir).toBe(4);
        for (const t of targets) expect(ws.exists(`packages/${dir}/${t}`), `${dir}/${t}`).toBe(true);
      }
    });

    it('each package exports what upstream publishes, export by export (runtime and nodenext declarations)', () => {
      const mismatches = plan.dirs
        .map(nameOf)
        .flatMap((name) => compareSurfaces(name, upstream.packages[name], readPackageSurface(ws.root, name)));
      expect(mismatches).toEqual([]);
    });

    it(`a consumer compiles with skipLibCheck: false under ${plan.modes.join(', ')} (types, not any)`, () => {
      expect(modules.length).toBeGreaterThan(0);
      for (const mode of plan.modes) {
        const r = tsc(mode);
        expect([r.code, r.output.split('\n').filter((l) => /error TS\d+/.test(l))], mode).toEqual([0, []]);
      }
    });

    it('the consumer imports (ESM) and requires (CJS) the packages in Node, with upstream behaviour', () => {
      const emitting = plan.modes.filter((m) => m !== 'bundler');
      expect(emitting.length).toBeGreaterThan(0);
      for (const mode of emitting) {
        for (const m of modules) {
          for (const file of [`esm-${m}.mjs`, `cjs-${m}.cjs`]) {
            const r = ws.node([`out/${mode}/${file}`], ws.path('packages/consumer'));
            expect(r.code, `${mode} ${file}: ${r.output}`).toBe(0);
            expect(JSON.parse(r.stdout), `${mode} ${file}`).toEqual(EXPECTED[m]);
          }
        }
      }
    });
  });
});
