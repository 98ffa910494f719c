/**
 * fast-glob, loaded on first use: most commands and the project graph never glob, and startup
 * should not pay for loading it.
 */
export function fastGlob(): typeof import('fast-glob') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('fast-glob') as typeof import('fast-glob');
}
