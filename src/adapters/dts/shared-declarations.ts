import { statSync } from 'node:fs';
import type * as TS from 'typescript';

type TypeScript = typeof TS;

const isPackageDeclaration = (file: string) => /[\\/]node_modules[\\/]/.test(file) && /\.d\.[cm]?ts$/.test(file);

function stampOf(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * The declaration files of packages (`node_modules`: TypeScript's `lib.*.d.ts`, `@types/node`),
 * parsed and bound once for all the programs of a process, as TypeScript's language service
 * shares them through its document registry. A file is given again only to a program whose
 * options shape it alike (the registry's own key, the language version, module format and
 * JSDoc mode) and while its size and mtime are the ones it was parsed at; the workspace's
 * sources are never shared.
 */
export class SharedDeclarations {
  private readonly registry: TS.DocumentRegistry;
  private readonly files = new Map<string, { stamp: string; file: TS.SourceFile }>();

  constructor(readonly ts: TypeScript) {
    this.registry = ts.createDocumentRegistry();
  }

  /** `host`, its getSourceFile answered from (and filling) the shared files. */
  share(options: TS.CompilerOptions, host: TS.CompilerHost): TS.CompilerHost {
    const settings = this.registry.getKeyForCompilationSettings(options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
      const stamp = !shouldCreate && isPackageDeclaration(fileName) ? stampOf(fileName) : undefined;
      if (stamp === undefined) return read(fileName, languageVersionOrOptions, onError, shouldCreate);
      const v = languageVersionOrOptions;
      const shape = typeof v === 'object' ? `${v.languageVersion}:${v.impliedNodeFormat}:${v.jsDocParsingMode}` : String(v);
      const key = `${fileName}\0${settings}\0${shape}`;
      const hit = this.files.get(key);
      if (hit && hit.stamp === stamp) return hit.file;
      const file = read(fileName, languageVersionOrOptions, onError, shouldCreate);
      if (file) this.files.set(key, { stamp, file });
      else this.files.delete(key);
      return file;
    };
    return host;
  }
}
