// Bun.build for each format, run by the bun binary (`bun bun-build.mjs`, src/adapters/bun/adapter.ts):
// reads its options from BUILD_SYSTEM_BUN_SPEC (bunBuildSpec, src/adapters/bun/options.ts) and
// prints one line, the marker and the structured results as JSON, which the adapter parses.
/* global Bun */
const spec = JSON.parse(process.env.BUILD_SYSTEM_BUN_SPEC);

const position = (p) => p && { file: p.file, line: p.line, column: p.column };

/**
 * Off node, bun resolves a node builtin to a polyfill or an empty shim that throws at run
 * time; esbuild fails. Seen here, failed by the adapter.
 */
function builtinsPlugin(seen) {
  const names = new Set(spec.builtins);
  const filter = new RegExp(spec.builtinFilter);
  return {
    name: 'build-system:builtins',
    setup(b) {
      b.onResolve({ filter }, (args) => {
        if (names.has(args.path) || (args.path.startsWith('node:') && !spec.external.includes(args.path))) {
          seen.push({ path: args.path, importer: args.importer });
        }
        return undefined;
      });
    },
  };
}

async function buildFormat(format) {
  const ext = spec.extensions[format].slice(1);
  const builtins = [];
  try {
    const r = await Bun.build({
      ...spec.options,
      plugins: spec.builtins.length ? [builtinsPlugin(builtins)] : [],
      format,
      splitting: spec.options.splitting ?? (format === 'esm' && spec.options.entrypoints.length > 1),
      naming: { entry: '[dir]/[name].' + ext, chunk: 'chunks/[name]-[hash].' + ext, asset: 'assets/[name]-[hash].[ext]' },
      throw: false,
      metafile: true,
    });
    return {
      success: r.success,
      builtins,
      inputs: Object.keys((r.metafile && r.metafile.inputs) || {}),
      outputs: r.outputs.map((o) => o.path),
      logs: r.logs.map((l) => ({ level: l.level, message: l.message, position: position(l.position) })),
    };
  } catch (e) {
    const errors = e && e.errors ? e.errors : [e];
    const logs = errors.map((l) => ({ level: 'error', message: String((l && l.message) || l), position: l && position(l.position) }));
    return { success: false, builtins, outputs: [], logs };
  }
}

const results = [];
for (const format of spec.formats) results.push(await buildFormat(format));
process.stdout.write('\n@@BUILD_SYSTEM_RESULT@@' + JSON.stringify(results) + '\n');
