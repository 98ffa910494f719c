import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { BUILD_CACHE_DIR } from '../config/define';
import { realpathInside } from '../config/resolve';
import type { Artifact } from './records/types';
import { expandSimpleGlobs } from '../utils/simple-glob';
import { fastGlob } from '../utils/glob';

const MIME: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.cjs': 'text/javascript',
  '.ts': 'text/typescript',
  '.mts': 'text/typescript',
  '.cts': 'text/typescript',
  '.map': 'application/json',
  '.json': 'application/json',
  '.css': 'text/css',
  '.html': 'text/html',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.tgz': 'application/gzip',
  '.gz': 'application/gzip',
};

function mimeTypeFor(path: string): string | undefined {
  if (path.endsWith('.d.ts') || path.endsWith('.d.mts') || path.endsWith('.d.cts')) return 'text/typescript';
  return MIME[extname(path).toLowerCase()];
}

/**
 * Expands artifact globs inside the package root; sorted, so records are reproducible. Never
 * through a symlink out of the package: a glob whose leading directories (`lib` in `lib/**`)
 * lead out matches nothing, and a file found otherwise is kept only if it resolves inside.
 */
export async function collectArtifacts(packageRoot: string, globs: string[]): Promise<Artifact[]> {
  const inside = globs.filter((g) => realpathInside(resolve(packageRoot, staticBase(g)), packageRoot));
  const simple = expandSimpleGlobs(packageRoot, inside, [BUILD_CACHE_DIR]);
  const files = simple ?? (await expandGlobs(packageRoot, inside)).filter((f) => realpathInside(join(packageRoot, f), packageRoot));
  const out: Artifact[] = [];
  // Validation refuses globs that leave the package; never record a file outside it anyway.
  for (const path of files) if (!isAbsolute(path) && !path.split('/').includes('..')) out.push(await describeFile(packageRoot, path));
  return out;
}

/** The directories a glob starts with before its first pattern segment (`dist/esm` of `dist/esm/*.js`). */
function staticBase(glob: string): string {
  const segments = glob.split('/');
  const first = segments.findIndex((s) => /[*?[\]{}()!+@]/.test(s));
  return segments.slice(0, first === -1 ? segments.length - 1 : first).join('/');
}

async function expandGlobs(packageRoot: string, globs: string[]): Promise<string[]> {
  const files = await fastGlob()(globs, {
    cwd: packageRoot,
    onlyFiles: true,
    dot: true,
    followSymbolicLinks: false,
    ignore: [`${BUILD_CACHE_DIR}/**`, '**/node_modules/**'],
  });
  return files.sort();
}

async function describeFile(packageRoot: string, path: string): Promise<Artifact> {
  const abs = join(packageRoot, path);
  const size = statSync(abs).size;
  const checksum = await sha256File(abs, size);
  const mimeType = mimeTypeFor(path);
  return { path, size, checksum: `sha256:${checksum}`, ...(mimeType ? { mimeType } : {}) };
}

/**
 * Below this size a file is read in one call: build outputs are mostly small modules, and a
 * stream per file costs more than the hashing (hundreds of files: ~5 ms vs ~50 ms).
 */
const SMALL_FILE = 1 << 20;

/** A file's sha256 (hex): one read for small files, streamed for large ones. */
export async function sha256File(file: string, size = statSync(file).size): Promise<string> {
  if (size <= SMALL_FILE) return createHash('sha256').update(readFileSync(file)).digest('hex');
  return new Promise((res, rej) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('error', rej)
      .on('end', () => res(hash.digest('hex')));
  });
}
