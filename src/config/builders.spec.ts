import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allToolPackages,
  BUILDER_NAMES,
  BUILDER_REGISTRY,
  builderFacts,
  builderInEffect,
  fallbackReason,
  SCAFFOLD_BUILDERS,
  toolPackages,
} from './builders';
import { builderInSource } from './find';
import { builderSchema } from './schema';

describe('builder registry', () => {
  it('names every builder the schema accepts, in order', () => {
    expect(BUILDER_NAMES).toEqual(['bun', 'esbuild', 'tsc', 'rollup', 'custom']);
    expect(builderSchema.options).toEqual(BUILDER_NAMES);
  });

  it('bun falls back to esbuild without a bun binary; the others never fall back', () => {
    const looked: string[] = [];
    const none = (binary: string) => (looked.push(binary), false);
    expect(BUILDER_NAMES.map((b) => builderInEffect(b, none))).toEqual(['esbuild', 'esbuild', 'tsc', 'rollup', 'custom']);
    expect(looked).toEqual(['bun']);
    expect(builderInEffect('bun', () => true)).toBe('bun');
    expect(builderInEffect('webpack', none)).toBe('webpack');
  });

  it('explains a fallback once, and nothing otherwise', () => {
    expect(fallbackReason('bun', 'esbuild')).toBe(
      'builder "bun" requested but no bun binary was found (node_modules/.bin or PATH): building with esbuild instead',
    );
    expect(fallbackReason('esbuild', 'esbuild')).toBeUndefined();
  });

  it('a fallback is a registered builder that needs no binary itself', () => {
    for (const b of BUILDER_NAMES) {
      const fallback = builderFacts(b)?.fallback;
      if (fallback === undefined) continue;
      expect(builderFacts(fallback), `${b} → ${fallback}`).toBeDefined();
      expect(builderFacts(fallback)?.binary).toBeUndefined();
    }
  });

  it('tool packages: what each adapter loads, plus TypeScript and oxc-transform for declarations the pipeline writes', () => {
    expect(Object.fromEntries(BUILDER_NAMES.map((b) => [b, toolPackages(b, false)]))).toEqual({
      bun: ['bun'],
      esbuild: ['esbuild'],
      tsc: ['typescript'],
      rollup: ['esbuild', 'rollup'],
      custom: [],
    });
    expect(toolPackages('rollup', true)).toEqual(['esbuild', 'oxc-transform', 'rollup', 'typescript']);
    expect(toolPackages('esbuild', true, true)).toEqual(['esbuild', 'oxc-transform', 'rollup', 'typescript']);
    expect(toolPackages('tsc', true)).toEqual(['typescript']);
    expect(toolPackages('webpack', true)).toEqual(['oxc-transform', 'typescript']);
    expect(allToolPackages()).toEqual(['bun', 'esbuild', 'oxc-transform', 'rollup', 'typescript']);
  });

  it('the generator offers every builder but custom, and its schema.json says the same', () => {
    expect(SCAFFOLD_BUILDERS).toEqual(['bun', 'esbuild', 'tsc', 'rollup']);
    const schema = JSON.parse(readFileSync(join(__dirname, '../generators/config/schema.json'), 'utf8'));
    expect(schema.properties.builder.enum).toEqual(SCAFFOLD_BUILDERS);
    expect(schema.properties.builder['x-prompt'].items.map((i: { value: string }) => i.value)).toEqual(SCAFFOLD_BUILDERS);
  });

  it('each adapter is where the registry says, under its own name', async () => {
    for (const b of BUILDER_NAMES) {
      const { module, export: name } = BUILDER_REGISTRY[b].adapter;
      const mod = (await import(join(__dirname, '../adapters', module))) as Record<string, { name?: string }>;
      expect(mod[name]?.name, `${module}#${name}`).toBe(b);
    }
  });

  it('the static scan reads a builder from source without executing it', () => {
    expect(builderInSource(`export default defineBuildConfig({ builder: 'rollup' })`)).toBe('rollup');
    expect(builderInSource(`builder: "custom",`)).toBe('custom');
    expect(builderInSource(`builder: 'webpack'`)).toBeUndefined();
  });
});
