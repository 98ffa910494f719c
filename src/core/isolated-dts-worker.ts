/**
 * Child process: declarations file by file with the workspace's TypeScript
 * `transpileDeclaration` (5.5+), for projects whose tsconfig sets `isolatedDeclarations`.
 * No program, no type-check: each file's `.d.ts` follows from its own syntax, which is what
 * `isolatedDeclarations` guarantees (and what tsc enforces in the type-check).
 *
 * argv: <typescript module> <code cache file, or ''> <tsconfig>. Diagnostics are printed the
 * way `tsc --pretty false` prints them, so the caller parses one format; exit code 2 when
 * there are any.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type * as TS from 'typescript';
import { requireWithCodeCache } from '../adapters/code-cache';

const [tsModule, cacheFile, tsconfigPath] = process.argv.slice(2);
const ts = requireWithCodeCache(tsModule, cacheFile) as typeof TS;

function main(): number {
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfigPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => report([d]),
  });
  if (!parsed) return 2;
  if (parsed.errors.length) return report(parsed.errors), 2;
  const options = parsed.options;
  const rootDir = resolve(options.rootDir ?? dirname(tsconfigPath));
  const outDir = resolve(options.outDir ?? rootDir);
  const diagnostics: TS.Diagnostic[] = [];
  let outsideRoot = 0;
  const queue = parsed.fileNames.map((f) => resolve(f));
  const seen = new Set(queue);
  while (queue.length) {
    const file = queue.shift()!;
    if (/\.d\.[mc]?ts$/.test(file)) continue;
    const source = readFileSync(file, 'utf8');
    const rel = relative(rootDir, file);
    if (rel.startsWith('..')) {
      process.stdout.write(`${file}(1,1): error TS6059: File '${file}' is not under 'rootDir' '${rootDir}'. 'rootDir' is expected to contain all source files.\n`);
      outsideRoot++;
      continue;
    }
    const out = ts.transpileDeclaration(source, { fileName: file, compilerOptions: options, reportDiagnostics: true });
    diagnostics.push(...(out.diagnostics ?? []));
    const target = join(outDir, rel.replace(/\.(m|c)?tsx?$/, (_, m = '') => `.d.${m}ts`));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
    for (const dep of relativeImports(source, file)) {
      if (!seen.has(dep)) seen.add(dep), queue.push(dep);
    }
  }
  report(diagnostics);
  return diagnostics.length || outsideRoot ? 2 : 0;
}

/** The TypeScript files a module's relative imports and re-exports name, as tsc would find them. */
function relativeImports(source: string, file: string): string[] {
  const found: string[] = [];
  const specifiers = ts.preProcessFile(source, true, true).importedFiles.map((r) => r.fileName);
  // preProcessFile does not report `export * as ns from '…'`.
  for (const m of source.matchAll(/export\s*\*\s*as\s+[\w$]+\s+from\s*['"]([^'"]+)['"]/g)) specifiers.push(m[1]);
  for (const spec of specifiers) {
    if (!spec.startsWith('.')) continue;
    const hit = candidates(resolve(dirname(file), spec)).find((c) => existsSync(c));
    if (hit) found.push(hit);
  }
  return found;
}

function candidates(base: string): string[] {
  const js = /\.(m|c)?jsx?$/.exec(base);
  if (js) {
    const stem = base.slice(0, -js[0].length);
    const m = js[1] ?? '';
    return [`${stem}.${m}ts`, `${stem}.${m}tsx`, `${stem}.d.${m}ts`];
  }
  if (/\.(m|c)?tsx?$/.test(base)) return [base];
  return [`${base}.ts`, `${base}.tsx`, `${base}.d.ts`, join(base, 'index.ts'), join(base, 'index.tsx'), join(base, 'index.d.ts')];
}

function report(diagnostics: readonly TS.Diagnostic[]) {
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (d.file && d.start !== undefined) {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      process.stdout.write(`${d.file.fileName}(${line + 1},${character + 1}): error TS${d.code}: ${message}\n`);
    } else process.stdout.write(`error TS${d.code}: ${message}\n`);
  }
}

process.exitCode = main();
