import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILD_CACHE_DIR } from '../config/define';
import type { ResolvedBuildConfig } from '../config/resolve';
import { findBinary, resolveToolModule } from '../utils/find-tool';
import { runCommand } from '../utils/spawn';

/**
 * The deeper checks of the `check` phase, run on the package as npm would publish it: publint
 * (package.json against the files) and are-the-types-wrong (what TypeScript resolves under
 * node10, node16 and bundler). Both are optional peer dependencies, loaded only when a config
 * asks for them; the package is packed once (`npm pack`, scripts off) for both.
 */

export interface LintFinding {
  tool: 'publint' | 'attw';
  severity: 'error' | 'warning' | 'suggestion';
  message: string;
  /** package.json keys, when the finding is about a field. */
  keys?: (string | number)[];
}

export interface LintContext {
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

/** A native `import()` (TypeScript compiles `import()` to `require` for CommonJS output; both tools are ES modules). */
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<Record<string, unknown>>;

export async function lintPackage(
  config: ResolvedBuildConfig,
  which: { publint: boolean; attw: boolean },
  ctx: LintContext,
): Promise<LintFinding[]> {
  const tools = [...(which.publint ? (['publint'] as const) : []), ...(which.attw ? (['attw'] as const) : [])];
  const missing = tools.filter((t) => !resolveToolModule(TOOL_PACKAGES[t], [config.packageRoot, config.workspaceRoot]));
  const findings: LintFinding[] = missing.map((t) => ({
    tool: t,
    severity: 'warning',
    message: `check.${t} is on but ${TOOL_PACKAGES[t]} is not installed: npm i -D ${TOOL_PACKAGES[t]}@${TOOL_VERSIONS[t]}`,
  }));
  const runnable = tools.filter((t) => !missing.includes(t));
  if (!runnable.length) return findings;
  const tarball = await packTarball(config, ctx);
  if (typeof tarball === 'string')
    return [
      ...findings,
      ...runnable.map((tool) => ({ tool, severity: 'warning' as const, message: `could not pack the package to check it: ${tarball}` })),
    ];
  for (const tool of runnable) {
    try {
      findings.push(...(tool === 'publint' ? await runPublint(config, tarball) : await runAttw(config, tarball)));
    } catch (err) {
      findings.push({ tool, severity: 'warning', message: `${TOOL_PACKAGES[tool]} failed: ${(err as Error).message}` });
    }
  }
  return findings;
}

const TOOL_PACKAGES = { publint: 'publint', attw: '@arethetypeswrong/core' } as const;
const TOOL_VERSIONS = { publint: '0.3.25', attw: '0.18.5' } as const;

async function loadTool(config: ResolvedBuildConfig, specifier: string): Promise<Record<string, unknown>> {
  const file = resolveToolModule(specifier, [config.packageRoot, config.workspaceRoot]);
  if (!file) throw new Error(`cannot resolve ${specifier}`);
  return importModule(pathToFileURL(file).href);
}

/** The package as `npm pack` would publish it (lifecycle scripts off), or why not. */
async function packTarball(config: ResolvedBuildConfig, ctx: LintContext): Promise<Uint8Array | string> {
  const dir = join(config.packageRoot, BUILD_CACHE_DIR, 'check', 'pack');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    // npm ships beside node; a PATH lookup covers other installs.
    const cli = resolve(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
    const args = ['pack', '--json', '--ignore-scripts', '--pack-destination', dir];
    const npm = existsSync(cli)
      ? { command: process.execPath, args: [cli, ...args] }
      : { command: findBinary('npm', [config.packageRoot]) ?? 'npm', args };
    const r = await runCommand(npm.command, { args: npm.args, cwd: config.packageRoot, env: ctx.env, signal: ctx.signal });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (r.exitCode !== 0 || !tgz)
      return `npm pack exited with ${r.exitCode ?? r.signal}: ${r.spawnError ?? r.output.trim().split('\n').slice(-3).join(' ')}`;
    return new Uint8Array(readFileSync(join(dir, tgz)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface PublintMessage {
  code: string;
  type: 'error' | 'warning' | 'suggestion';
  path: string[];
}

async function runPublint(config: ResolvedBuildConfig, tarball: Uint8Array): Promise<LintFinding[]> {
  const { publint } = (await loadTool(config, 'publint')) as {
    publint: (o: object) => Promise<{ messages: PublintMessage[]; pkg: Record<string, unknown> }>;
  };
  const { formatMessage } = (await loadTool(config, 'publint/utils')) as {
    formatMessage: (m: PublintMessage, pkg: object, o?: object) => string | undefined;
  };
  const data = tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: data } });
  return messages.map((m) => ({
    tool: 'publint',
    severity: m.type,
    message: `${formatMessage(m, pkg, { color: false }) ?? m.code} (${m.code})`,
    keys: m.path.length ? m.path.map((k) => (/^\d+$/.test(k) ? Number(k) : k)) : undefined,
  }));
}

interface AttwProblem {
  kind: string;
  entrypoint?: string;
  resolutionKind?: string;
  fileName?: string;
  typesFileName?: string;
  moduleSpecifier?: string;
}

const RESOLUTION_KINDS = ['node10', 'node16-cjs', 'node16-esm', 'bundler'];

async function runAttw(config: ResolvedBuildConfig, tarball: Uint8Array): Promise<LintFinding[]> {
  const core = (await loadTool(config, '@arethetypeswrong/core')) as {
    createPackageFromTarballData: (t: Uint8Array) => unknown;
    checkPackage: (p: unknown) => Promise<{ types: unknown; problems?: AttwProblem[] }>;
  };
  const problems = (await loadTool(config, '@arethetypeswrong/core/problems')) as {
    problemKindInfo: Record<string, { title: string; shortDescription: string }>;
    problemAffectsResolutionKind: (p: AttwProblem, kind: string, analysis: unknown) => boolean;
  };
  const analysis = await core.checkPackage(core.createPackageFromTarballData(tarball));
  if (!analysis.types || !analysis.problems) return [];
  // An ESM-only package is not meant for require() or node10 (attw's `esm-only` profile).
  const kinds = config.format.includes('cjs') ? RESOLUTION_KINDS : ['node16-esm', 'bundler'];
  // One finding per problem, whatever the number of resolution modes it shows under.
  const grouped = new Map<string, { problem: AttwProblem; modes: string[] }>();
  for (const p of analysis.problems) {
    const modes = kinds.filter((k) => problems.problemAffectsResolutionKind(p, k, analysis));
    if (!modes.length) continue;
    const key = JSON.stringify([p.kind, p.entrypoint, p.fileName ?? p.typesFileName, p.moduleSpecifier]);
    const seen = grouped.get(key);
    if (seen) seen.modes.push(...modes.filter((m) => !seen.modes.includes(m)));
    else grouped.set(key, { problem: p, modes });
  }
  return [...grouped.values()].map(({ problem: p, modes }) => {
    const info = problems.problemKindInfo[p.kind];
    const title = info?.title ?? p.kind;
    const file = p.fileName ?? p.typesFileName;
    const where = [
      p.entrypoint && `"${p.entrypoint === '.' ? config.name : `${config.name}/${p.entrypoint.replace(/^\.\//, '')}`}"`,
      `under ${RESOLUTION_KINDS.filter((k) => modes.includes(k)).join(', ')}`,
      p.moduleSpecifier && `import "${p.moduleSpecifier}"`,
      file && `in ${file.replace(/^\/node_modules\/(@[^/]+\/)?[^/]+\//, '')}`,
    ].filter(Boolean);
    const short = info && info.shortDescription !== title ? `: ${info.shortDescription}` : '';
    const entry = p.entrypoint !== undefined && config.packageJson.exports !== undefined ? ['exports', p.entrypoint] : undefined;
    return {
      tool: 'attw' as const,
      severity: 'warning' as const,
      message: `${title} (${where.join(', ')}) [${p.kind}${short}]`,
      keys: entry,
    };
  });
}
