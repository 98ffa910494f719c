// What a package offers its consumers, read the way they read it: the exports map from its
// package.json; per entry (an exports subpath) and condition (`import`, `require`), the names
// Node gives at run time, and the names TypeScript declares to a `module: nodenext` consumer
// (a `.mts` file importing it, a `.cts` file requiring it), which of them are values, and the
// errors TypeScript finds in the declarations on the way (with `skipLibCheck: false`).
// Used by scripts/snapshot-upstream.mjs on published tarballs and by the e2e snapshot test on
// our own builds, so both sides are read by the same code.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { repoRoot } from './link-workspace.mjs';

const ts = createRequire(join(repoRoot, 'package.json'))('typescript');

export const CONDITIONS = ['import', 'require'];

/** The package's directory as `root` resolves it (node_modules links followed). */
export function packageDir(root, name) {
  return realpathSync(join(root, 'node_modules', ...name.split('/')));
}

/**
 * The surface of package `name` as resolved from directory `root` (which has it, and what it
 * depends on, in `root/node_modules`).
 */
export function readPackageSurface(root, name) {
  const dir = packageDir(root, name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entries = {};
  for (const subpath of entrySubpaths(pkg.exports)) {
    const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
    entries[subpath] = {};
    for (const condition of CONDITIONS) {
      entries[subpath][condition] = {
        runtime: runtimeExports(root, specifier, condition),
        ...declaredExports(root, specifier, condition),
      };
    }
  }
  return { version: pkg.version, exports: pkg.exports, main: pkg.main, module: pkg.module, types: pkg.types, entries };
}

/** Subpaths of an exports map that name modules (not `./package.json` or other data files). */
export function entrySubpaths(exportsField) {
  if (exportsField === undefined) return ['.'];
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) return ['.'];
  const keys = Object.keys(exportsField);
  if (!keys.every((k) => k.startsWith('.'))) return ['.'];
  return keys.filter((k) => !k.includes('*') && !/\.(json|css)$/.test(k)).sort();
}

const RUNTIME_READERS = {
  import: ['--input-type=module', '-e', 'const m = await import(process.argv[1]); console.log(JSON.stringify(Object.keys(m)))'],
  require: ['-e', 'console.log(JSON.stringify(Object.keys(require(process.argv[1]))))'],
};

/** Export names Node gives for `specifier` under `condition`, read in a fresh process in `root`. */
export function runtimeExports(root, specifier, condition) {
  const r = spawnSync(process.execPath, [...RUNTIME_READERS[condition], specifier], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return { error: firstErrorLine(r.stderr) };
  return JSON.parse(r.stdout.trim().split('\n').pop()).sort();
}

function firstErrorLine(stderr) {
  const line = stderr.split('\n').find((l) => /^\w*Error\b|^Error \[|\bERR_[A-Z_]+/.test(l)) ?? stderr.trim().split('\n')[0] ?? '';
  return line.replaceAll(/(file:\/\/)?\/[^\s'"]*\/node_modules\//g, 'node_modules/').trim();
}

const CONSUMER = {
  import: { file: '__surface__/consumer.mts', text: (s) => `import * as m from '${s}';\nexport { m };\n` },
  require: { file: '__surface__/consumer.cts', text: (s) => `import m = require('${s}');\nexport { m };\n` },
};

/**
 * Names declared for `specifier` to a nodenext consumer under `condition`: `declared` (every
 * export), `declaredValues` (those that are values, not only types), `declarationErrors`
 * (diagnostics in the package's declaration files, `TS<code> <file>: <message>`).
 */
export function declaredExports(root, specifier, condition) {
  const consumer = CONSUMER[condition];
  const consumerPath = join(root, consumer.file);
  const options = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  };
  const host = ts.createCompilerHost(options);
  const text = consumer.text(specifier);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) =>
    f === consumerPath ? ts.createSourceFile(f, text, lang, true) : (libFile(f, lang) ?? getSourceFile(f, lang, ...rest));
  host.fileExists = (f) => f === consumerPath || fileExists(f);
  host.readFile = (f) => (f === consumerPath ? text : readFile(f));
  const program = ts.createProgram({ rootNames: [consumerPath], options, host });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(consumerPath);
  const moduleSymbol = checker.getSymbolAtLocation(moduleSpecifierOf(source));
  const declarationErrors = declarationDiagnostics(program, root);
  if (!moduleSymbol) {
    const why = ts.getPreEmitDiagnostics(program, source).map((d) => `TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    return { declared: { error: why[0] ?? `no declarations found for ${specifier}` }, declaredValues: [], declarationErrors };
  }
  const symbols = checker.getExportsOfModule(moduleSymbol);
  const isValue = (s) => ((s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s).flags & ts.SymbolFlags.Value) !== 0;
  const names = (list) => list.map((s) => ts.symbolName(s)).sort();
  return { declared: names(symbols), declaredValues: names(symbols.filter(isValue)), declarationErrors };
}

// TypeScript's own lib files are the same for every program here: parsed once per process.
const libDir = dirname(ts.getDefaultLibFilePath({}));
const libFiles = new Map();

function libFile(fileName, languageVersion) {
  if (dirname(fileName) !== libDir) return undefined;
  const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
  if (!libFiles.has(key)) libFiles.set(key, ts.createSourceFile(fileName, readFileSync(fileName, 'utf8'), languageVersion, true));
  return libFiles.get(key);
}

function moduleSpecifierOf(source) {
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st)) return st.moduleSpecifier;
    if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference)) return st.moduleReference.expression;
  }
  throw new Error('consumer has no import');
}

/** Diagnostics located in declaration files under node_modules (the packages read), not in TypeScript's libs. */
function declarationDiagnostics(program, root) {
  const out = [];
  for (const file of program.getSourceFiles()) {
    if (!file.isDeclarationFile || program.isSourceFileDefaultLibrary(file)) continue;
    for (const d of [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]) {
      const at = d.file ? `${portable(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      out.push(`TS${d.code} ${at}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    }
  }
  return [...new Set(out)].sort();
}

/** A path as `node_modules/<pkg>/…` where it can be, so snapshots from different roots compare. */
function portable(root, file) {
  const real = existsSync(file) ? realpathSync(file) : file;
  const rel = relative(root, real).split(sep).join('/');
  const nm = rel.lastIndexOf('node_modules/');
  if (nm >= 0) return rel.slice(nm);
  const pkg = nearestPackageName(dirname(real));
  return pkg ? `node_modules/${pkg.name}/${relative(pkg.dir, real).split(sep).join('/')}` : rel;
}

function nearestPackageName(dir) {
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    const f = join(d, 'package.json');
    if (existsSync(f)) {
      const name = JSON.parse(readFileSync(f, 'utf8')).name;
      if (name) return { name, dir: d };
    }
  }
  return undefined;
}

/**
 * Differences between two surfaces of one package, one line each, naming the entry, the
 * condition, what is compared and the missing/extra names (empty when they match).
 */
export function compareSurfaces(name, expected, actual) {
  const out = [];
  const subpaths = (s) => Object.keys(s.entries);
  diffNames(subpaths(expected), subpaths(actual), (d) => out.push(`${name}: exports subpaths ${d}`));
  for (const subpath of subpaths(expected)) {
    for (const condition of CONDITIONS) {
      const want = expected.entries[subpath][condition];
      const got = actual.entries[subpath]?.[condition];
      if (!got) continue;
      const where = `${name} "${subpath}" ${condition}`;
      for (const field of ['runtime', 'declared', 'declaredValues']) {
        compareField(want[field], got[field], (d) => out.push(`${where} ${field}: ${d}`));
      }
      diffNames(want.declarationErrors, got.declarationErrors, (d) => out.push(`${where} declarationErrors: ${d}`), 'new', 'gone', 5);
    }
  }
  return out;
}

function compareField(want, got, report) {
  if (!Array.isArray(want) || !Array.isArray(got)) {
    if (JSON.stringify(want) !== JSON.stringify(got)) report(`expected ${describe(want)}, got ${describe(got)}`);
    return;
  }
  diffNames(want, got, report);
}

/** `limit` shortens long lists (declaration errors) to their first items and a count. */
function diffNames(want, got, report, extraWord = 'extra', missingWord = 'missing', limit = Infinity) {
  const missing = want.filter((n) => !got.includes(n));
  const extra = got.filter((n) => !want.includes(n));
  const list = (xs) => (xs.length > limit ? `${xs.slice(0, limit).join(', ')}, … ${xs.length - limit} more` : xs.join(', '));
  const parts = [];
  if (missing.length) parts.push(`${missingWord} [${list(missing)}]`);
  if (extra.length) parts.push(`${extraWord} [${list(extra)}]`);
  if (parts.length) report(parts.join(', '));
}

function describe(v) {
  if (Array.isArray(v)) return `${v.length} names`;
  if (v && typeof v === 'object' && 'error' in v) return `error (${v.error})`;
  return JSON.stringify(v);
}
