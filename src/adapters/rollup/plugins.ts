import { readFileSync } from 'node:fs';
import type { Plugin } from 'rollup';
import type { ResolvedBuildConfig } from '../../config/resolve';
import type { Format } from '../../config/schema';
import { resolveModule } from '../../utils/node-resolve';
import { esbuildMinifyOptions, esbuildTransformOptions, isTransformed } from './options';

type Esbuild = typeof import('esbuild');

/** Node's resolution (package exports, extensions) for every import rollup meets. */
export function resolvePlugin(): Plugin {
  return {
    name: 'build-system:resolve',
    resolveId(source, importer) {
      if (!importer || source.startsWith('\0')) return null;
      return resolveModule(source, importer) ?? null;
    },
  };
}

/** A JSON import as a module whose default export is the parsed file. */
export function jsonPlugin(): Plugin {
  return {
    name: 'build-system:json',
    load(id) {
      if (!id.endsWith('.json')) return null;
      return { code: `export default ${readFileSync(id, 'utf8').trim()};\n`, map: { mappings: '' } };
    },
  };
}

/** TypeScript and JSX compiled per module by esbuild's `transform`; its errors located. */
export function transformPlugin(esbuild: Esbuild, config: ResolvedBuildConfig): Plugin {
  return {
    name: 'build-system:esbuild-transform',
    async transform(code, id) {
      if (!isTransformed(id)) return null;
      try {
        const out = await esbuild.transform(code, esbuildTransformOptions(config, id));
        return { code: out.code, map: out.map || null };
      } catch (err) {
        const m = (err as { errors?: import('esbuild').Message[] }).errors?.[0];
        this.error({
          message: m?.text ?? String(err),
          id,
          loc: m?.location ? { file: id, line: m.location.line, column: m.location.column } : undefined,
        });
      }
    },
  };
}

/** Each rendered chunk minified by esbuild (`minify: true`). */
export function minifyPlugin(esbuild: Esbuild, format: Format): Plugin {
  return {
    name: 'build-system:minify',
    async renderChunk(code) {
      const out = await esbuild.transform(code, esbuildMinifyOptions(format));
      return { code: out.code, map: out.map || null };
    },
  };
}
