import { readFileSync, watch as watchDir, type FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { outsideInputFiles } from '../config/cache-include';
import { scanConfigDependencies } from '../config/config-dependencies';
import { toPosix, type ResolvedBuildConfig } from '../config/resolve';

/**
 * Files outside a package that its build reads (docs/watch.md): modules and files its config
 * imports or reads by a literal path, the tsconfig chain, and `cache.include` /
 * `cache.key.files` globs that leave the package. The package's own files are watched by its
 * tree watcher; these are watched one directory each, without recursion.
 */
export async function outsideInputs(config: ResolvedBuildConfig): Promise<string[]> {
  const files = new Set<string>();
  const add = (abs: string) => {
    if (isInside(config.packageRoot, abs) || !isInside(config.workspaceRoot, abs)) return;
    if (abs.split(/[\\/]/).includes('node_modules')) return;
    files.add(abs);
  };
  if (config.configFile) {
    let source = '';
    try {
      source = readFileSync(config.configFile, 'utf8');
    } catch {
      /* the build reports an unreadable config */
    }
    const scan = scanConfigDependencies(
      config.workspaceRoot,
      config.packagePath || '.',
      toPosix(relative(config.workspaceRoot, config.configFile)),
      source,
      config.tsconfig ? [config.tsconfig] : [],
    );
    for (const rel of scan.watched) add(join(config.workspaceRoot, rel));
  }
  const outside = await outsideInputFiles(config);
  for (const f of [...outside.include, ...outside.keyFiles]) add(join(config.workspaceRoot, f));
  return [...files].sort();
}

function isInside(dir: string, abs: string): boolean {
  const rel = relative(resolve(dir), resolve(abs));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * One non-recursive watcher per directory holding an outside input, shared by the packages
 * that read files there. `onChange(index, file)` names the package (by its index) and the
 * absolute file that changed.
 */
export class OutsideWatcher {
  private readonly byPackage = new Map<number, Set<string>>();
  private readonly dirs = new Map<string, FSWatcher | null>();

  constructor(private readonly onChange: (index: number, file: string) => void) {}

  /** The outside inputs of package `index` (replacing what it had: its config changed). */
  set(index: number, files: string[]): void {
    this.byPackage.set(index, new Set(files));
    for (const file of files) this.watchDirOf(file);
  }

  close(): void {
    for (const w of this.dirs.values()) w?.close();
    this.dirs.clear();
  }

  private watchDirOf(file: string): void {
    const dir = dirname(file);
    if (this.dirs.has(dir)) return;
    let watcher: FSWatcher | null = null;
    try {
      watcher = watchDir(dir, { persistent: true }, (_event, name) => {
        // Without a name (some platforms), any input of that directory may have changed.
        const changed = name ? [join(dir, String(name))] : this.filesIn(dir);
        for (const f of changed) this.notify(f);
      });
      watcher.on('error', () => undefined);
    } catch {
      /* a directory that does not exist yet: its files are absent inputs, read by the build */
    }
    this.dirs.set(dir, watcher);
  }

  private filesIn(dir: string): string[] {
    const out = new Set<string>();
    for (const files of this.byPackage.values()) for (const f of files) if (dirname(f) === dir) out.add(f);
    return [...out];
  }

  private notify(file: string): void {
    for (const [index, files] of this.byPackage) if (files.has(file)) this.onChange(index, file);
  }
}

/** How an outside file is named in a record's `changedFiles`: workspace-relative, posix. */
export function workspaceRelative(workspaceRoot: string, file: string): string {
  return toPosix(relative(workspaceRoot, file)) || basename(file);
}
