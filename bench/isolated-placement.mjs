// Where the oxc declarations path runs best, on the 200-file isolatedDeclarations package: the
// per-file emit in the build process or in a child process (as TypeScript's worker runs), and the
// bundle in the declarations thread or in a worker process; beside them, TypeScript's worker
// (emit only, from its code cache). Each sample is a fresh `node` (what a single build pays),
// the variants interleaved. Usage: node bench/isolated-placement.mjs [runs]
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { generateWorkspace } from './generate.mjs';
import { repoRoot } from '../scripts/link-workspace.mjs';

const runs = Number(process.argv[2]) || 7;
const dts = join(repoRoot, 'dist', 'adapters', 'dts');
const dir = join(tmpdir(), 'build-system-bench', 'isolated-placement');
generateWorkspace({ dir, packages: 1, files: 200, mode: 'ours', builder: 'esbuild', dts: true, isolatedDeclarations: true });
const pkg = join(dir, 'packages', 'p0');
const declarationsDir = join(dir, 'dts-isolated');
const oxcModule = join(repoRoot, 'node_modules', 'oxc-transform', 'index.js');
const walk = {
  roots: [join(pkg, 'src', 'index.ts')],
  rootDir: dir,
  outDir: declarationsDir,
  external: [],
  builtinsExternal: true,
  stripInternal: false,
};
// An expression: the promise of the emit, in the process that evaluates it.
const emit = `require(${JSON.stringify(join(dts, 'oxc-declarations.js'))}).loadOxcTransform(${JSON.stringify(oxcModule)}).then((oxc) => {
  const o = require(${JSON.stringify(join(dts, 'oxc-declarations.js'))});
  const r = o.emitWithOxc(oxc, { ...${JSON.stringify(walk)}, resolvePackage: () => undefined, locate: (f) => f });
  if (r.errors.length) throw new Error(JSON.stringify(r.errors));
})`;
const spec = {
  workspaceRoot: dir,
  packageRoot: pkg,
  tsconfig: join(pkg, 'tsconfig.json'),
  declarationsDir,
  outDir: join(dir, 'bundled'),
  inputs: { index: join(declarationsDir, 'packages', 'p0', 'src', 'index.d.ts') },
  outputs: [{ js: '.js', dts: '.d.ts' }],
  external: [],
  builtinsExternal: true,
  rollup: join(repoRoot, 'node_modules', 'rollup', 'dist', 'rollup.js'),
  plugin: join(repoRoot, 'node_modules', 'rollup-plugin-dts', 'dist', 'rollup-plugin-dts.cjs'),
};
const specFile = join(dir, 'bundle-spec.json');
// TypeScript's path for the same files: its worker process, per-file emit only (as emit-declarations.ts sets it up).
const tsconfigFile = join(dir, 'tsconfig.dts-isolated.json');
const tsOut = join(dir, 'dts-isolated-ts');
const compilerOptions = { allowImportingTsExtensions: true, declaration: true, emitDeclarationOnly: true, noEmit: false };
writeFileSync(
  tsconfigFile,
  JSON.stringify({
    extends: join(pkg, 'tsconfig.json'),
    compilerOptions: { ...compilerOptions, declarationDir: tsOut, outDir: tsOut, rootDir: dir },
    files: [walk.roots[0]],
    include: [],
  }),
);
const tsOptionsFile = join(dir, 'dts-isolated-options.json');
writeFileSync(tsOptionsFile, JSON.stringify({ external: [], builtinsExternal: true }));
const typescript = join(repoRoot, 'node_modules', 'typescript', 'lib', 'typescript.js');
const { codeCachePath } = createRequire(import.meta.url)(join(repoRoot, 'dist', 'utils', 'code-cache.js'));
writeFileSync(specFile, JSON.stringify(spec));
spawnSync(process.execPath, ['-e', emit], { stdio: 'inherit' });

const timed = (body) =>
  `const t = performance.now(); Promise.resolve().then(() => ${body}).then(() => console.log(performance.now() - t));`;
const child = (argv) =>
  `{ const r = require('node:child_process').spawnSync(process.execPath, ${JSON.stringify(argv)}); if (r.status) throw new Error(String(r.stdout) + r.stderr); }`;
const variants = {
  'emit in the build process': timed(emit),
  'emit in a child process': timed(child(['-e', emit])),
  'TypeScript: its worker process, emit only': timed(
    child([join(dts, 'isolated-dts-worker.js'), typescript, codeCachePath(dir, typescript), tsconfigFile, tsOptionsFile]),
  ),
  'bundle in the declarations thread': timed(
    `require(${JSON.stringify(join(dts, 'dts-thread.js'))}).runInDtsThread({ tsModule: '', bundle: require(${JSON.stringify(specFile)}) }).then((r) => { if (r.exitCode) throw new Error(r.output); })`,
  ),
  'bundle in a worker process': timed(child([join(dts, 'dts-bundle-worker.js'), specFile])),
};
const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = -1; r < runs; r++) {
  for (const [label, code] of Object.entries(variants)) {
    // The previous bundle is never reused here.
    rmSync(`${declarationsDir}-bundled.json`, { force: true });
    const out = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
    if (out.status) throw new Error(`${label}: ${out.stderr}`);
    if (r >= 0) samples[label].push(Number(out.stdout.trim().split('\n').pop()));
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`medians of ${runs} (fresh processes, interleaved):`);
for (const [label, xs] of Object.entries(samples)) console.log(`  ${label.padEnd(44)} ${String(Math.round(med(xs))).padStart(6)} ms`);
