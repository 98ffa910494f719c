import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SharedDeclarations } from './shared-declarations';

describe('SharedDeclarations', () => {
  let dir: string;
  let lib: string;
  let source: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shared-dts-'));
    lib = join(dir, 'node_modules', 'lib', 'index.d.ts');
    mkdirSync(join(dir, 'node_modules', 'lib'), { recursive: true });
    writeFileSync(lib, 'export declare const a: number;\n');
    source = join(dir, 'src', 'index.ts');
    mkdirSync(join(dir, 'src'));
    writeFileSync(source, 'export const b = 1;\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, strict: true };
  const read = (shared: SharedDeclarations, file: string, o = options) =>
    shared.share(o, ts.createCompilerHost(o)).getSourceFile(file, ts.ScriptTarget.ES2022)!;

  it('gives a package declaration file parsed once to every program with the same options', () => {
    const shared = new SharedDeclarations(ts);
    expect(read(shared, lib)).toBe(read(shared, lib));
  });

  it('never shares the workspace’s sources', () => {
    const shared = new SharedDeclarations(ts);
    expect(read(shared, source)).not.toBe(read(shared, source));
  });

  it('parses again a file that changed, and for options that shape it differently', () => {
    const shared = new SharedDeclarations(ts);
    const first = read(shared, lib);
    writeFileSync(lib, 'export declare const a: string;\n');
    const changed = read(shared, lib);
    expect(changed).not.toBe(first);
    expect(changed.text).toContain('string');
    // Same size, another mtime: a change too.
    writeFileSync(lib, 'export declare const a: strinG;\n');
    utimesSync(lib, new Date(), new Date(Date.now() + 5000));
    expect(read(shared, lib).text).toContain('strinG');
    const other = read(shared, lib, { ...options, target: ts.ScriptTarget.ES5 });
    expect(other).not.toBe(read(shared, lib));
  });
});
