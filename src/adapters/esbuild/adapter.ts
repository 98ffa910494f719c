import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { BuildContext, BuildResult, Message, OutputFile } from 'esbuild';
import type { ResolvedBuildConfig } from '../../config/resolve';
import { FORMATS } from '../../config/define';
import type { Format } from '../../config/schema';
import { buildError, type BuildError } from '../../errors';
import type { AdapterContext, AdapterResult, BuilderAdapter } from '../types';
import { checkBuilderOptions, workspaceLocation } from '../builder-options';
import { installHint, requireTool } from '../../utils/find-tool';
import { BUILDER_OPTIONS, esbuildOptionsFor } from './options';

type Esbuild = typeof import('esbuild');

/** Where esbuild's JS API places errors it throws for bad options (its own frames). */
export const ESBUILD_PACKAGES = ['esbuild', '@esbuild'];
/**
 * The outdir of a kept context, never created: its files are written into each build's own
 * staging directory. A sibling of that directory, so what esbuild makes relative to its outdir
 * (source maps' `sources`) is byte for byte what a build into the staging directory has.
 */
const CONTEXT_OUT_DIR = '.esbuild-context';

/** One format's build: esbuild's messages and the files its metafile lists. */
interface FormatOutcome {
  errors: Message[];
  warnings: Message[];
  inputs: string[];
  /** A kept context served it (watch sessions only). */
  reused?: boolean;
}

/**
 * One esbuild message as a located error. Its notes carry the hint (`…use "platform: 'node'"`)
 * and go into the message; a location in esbuild's own source (a bad option it threw on) is
 * dropped rather than reported as the file at fault.
 */
export function esbuildMessageToError(m: Message, config: ResolvedBuildConfig): BuildError {
  const loc = m.location;
  const file = workspaceLocation(config, loc?.file || undefined, ESBUILD_PACKAGES);
  const notes = (m.notes ?? []).map((n) => n.text.trim()).filter(Boolean);
  return buildError('COMPILE_ERROR', notes.length ? `${m.text} (${notes.join(' ')})` : m.text, {
    phase: 'build',
    file,
    line: file ? loc?.line : undefined,
    column: file && loc ? loc.column + 1 : undefined,
  });
}

export const esbuildAdapter: BuilderAdapter = {
  name: 'esbuild',
  validate(config) {
    return this.validateBuilderOptions(config);
  },
  validateBuilderOptions(config) {
    return checkBuilderOptions('esbuild', config, BUILDER_OPTIONS);
  },
  async build(ctx: AdapterContext): Promise<AdapterResult> {
    const esbuild = requireTool<Esbuild>('esbuild', [ctx.config.packageRoot, ctx.config.workspaceRoot]);
    if (!esbuild)
      return {
        errors: [
          buildError(
            'BUILDER_UNAVAILABLE',
            `esbuild is not installed: add it to the workspace devDependencies: ${installHint(['esbuild'], ctx.config.workspaceRoot)}`,
            { phase: 'build' },
          ),
        ],
      };
    const { session } = ctx;
    // A format the config no longer builds keeps no context alive.
    for (const f of FORMATS) if (session && !ctx.config.format.includes(f)) await session.drop(contextKey(ctx, f));
    const results = await Promise.all(
      ctx.config.format.map((format) => (session ? rebuildInContext(esbuild, ctx, format) : buildOnce(esbuild, ctx, format))),
    );
    // Both formats report the same source error; keep one of each.
    const seen = new Set<string>();
    const errors: BuildError[] = [];
    const warnings: BuildError[] = [];
    for (const r of results) {
      for (const m of r.errors) pushUnique(errors, seen, esbuildMessageToError(m, ctx.config));
      for (const m of r.warnings) pushUnique(warnings, seen, esbuildMessageToError(m, ctx.config));
    }
    return {
      errors,
      warnings,
      reads: metafileReads(
        ctx.config.packageRoot,
        results.flatMap((r) => r.inputs),
      ),
      ...(session ? { warm: { reused: results.every((r) => r.reused), state: `esbuild context (${ctx.config.format.join(', ')})` } } : {}),
    };
  },
};

/** A build without a session: esbuild writes into the staging directory itself. */
function buildOnce(esbuild: Esbuild, ctx: AdapterContext, format: Format): Promise<FormatOutcome> {
  return esbuild.build(esbuildOptionsFor(ctx.config, ctx.outDir, format, { metafile: ctx.collectReads !== false })).then(succeeded, failed);
}

/**
 * A build in a watch session: the package's context for this format, kept from the previous
 * build when its options are the same, does an incremental `rebuild()` (esbuild re-reads and
 * re-parses only the files that changed). It does not write: its files go into this build's
 * staging directory, so the staging, the swap and a failed build's outputs are as without one.
 */
async function rebuildInContext(esbuild: Esbuild, ctx: AdapterContext, format: Format): Promise<FormatOutcome> {
  const session = ctx.session!;
  const contextOutDir = join(dirname(ctx.outDir), CONTEXT_OUT_DIR);
  const options = esbuildOptionsFor(ctx.config, contextOutDir, format, { write: false, metafile: ctx.collectReads !== false });
  const key = contextKey(ctx, format);
  const fingerprint = JSON.stringify(options);
  let context = await session.take<BuildContext>(key, fingerprint);
  const reused = context !== undefined;
  if (!context) {
    try {
      context = await esbuild.context(options);
    } catch (err) {
      return failed(err);
    }
    const made = context;
    await session.keep(key, { value: made, fingerprint, dispose: () => made.dispose() });
  }
  const cancel = () => void context.cancel().catch(() => undefined);
  ctx.signal.addEventListener('abort', cancel, { once: true });
  try {
    const result = await context.rebuild();
    writeOutputFiles(result.outputFiles ?? [], contextOutDir, ctx.outDir);
    return { ...succeeded(result), reused };
  } catch (err) {
    // Errors in the sources leave the context usable for the next edit; anything else
    // (a disposed context, a stopped service) starts a new one next time.
    if (!(err as { errors?: Message[] }).errors?.length) await session.drop(key);
    return { ...failed(err), reused };
  } finally {
    ctx.signal.removeEventListener('abort', cancel);
  }
}

const contextKey = (ctx: AdapterContext, format: Format) => `esbuild:${ctx.config.packageRoot}:${format}`;

/** The files a context built for `fromDir`, written where they belong under `toDir`. */
function writeOutputFiles(files: readonly OutputFile[], fromDir: string, toDir: string): void {
  for (const f of files) {
    const target = resolve(toDir, relative(fromDir, f.path));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.contents);
  }
}

const succeeded = (r: BuildResult): FormatOutcome => ({
  errors: r.errors,
  warnings: r.warnings,
  inputs: Object.keys(r.metafile?.inputs ?? {}),
});

function failed(err: unknown): FormatOutcome {
  const e = err as { errors?: Message[]; warnings?: Message[]; message?: string };
  return {
    inputs: [],
    errors: e.errors?.length ? e.errors : [{ text: e.message ?? String(err) } as Message],
    warnings: e.warnings ?? [],
  };
}

/**
 * Files in a metafile's `inputs` (esbuild's and bun's), relative to the working directory;
 * modules of other namespaces (`ns:path`, `<stdin>`) are not files.
 */
export function metafileReads(cwd: string, inputs: readonly string[]): string[] {
  return [...new Set(inputs.filter((p) => !/^[\w-]{2,}:/.test(p) && !p.startsWith('<')).map((p) => resolve(cwd, p)))];
}

function pushUnique(list: BuildError[], seen: Set<string>, e: BuildError) {
  const key = `${e.file}:${e.line}:${e.column}:${e.message}`;
  if (!seen.has(key)) {
    seen.add(key);
    list.push(e);
  }
}
