import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildConfigSchema } from '../config/schema';
import { executorSchemas, schemaFileText } from './schema-json';

const checkedIn = (name: string) => readFileSync(join(__dirname, name, 'schema.json'), 'utf8');

describe("executors' schema.json, generated from the zod schema", () => {
  it('every executor in executors.json has one, and only those', () => {
    const declared = JSON.parse(readFileSync(join(__dirname, '../../executors.json'), 'utf8')).executors as Record<
      string,
      { schema: string }
    >;
    expect(Object.keys(executorSchemas()).sort()).toEqual(Object.keys(declared).sort());
    for (const [name, e] of Object.entries(declared)) expect(e.schema).toBe(`./dist/executors/${name}/schema.json`);
  });

  it.each(Object.keys(executorSchemas()))('src/executors/%s/schema.json is up to date (else: npm run schemas)', (name) => {
    expect(checkedIn(name)).toBe(schemaFileText(executorSchemas()[name]));
  });

  it('a field added to the zod schema without regenerating is caught', () => {
    const grown = executorSchemas(buildConfigSchema.extend({ newField: z.boolean().optional() }));
    expect(schemaFileText(grown.esbuild)).not.toBe(checkedIn('esbuild'));
    expect(grown.esbuild.properties).toHaveProperty('newField', { type: 'boolean' });
  });

  it('adapter executors take every config field JSON can hold, and their own options', () => {
    const props = executorSchemas().rollup.properties as Record<string, { description?: string; anyOf?: unknown[] }>;
    const json = Object.keys(buildConfigSchema.shape).filter((f) => f !== 'builder' && f !== 'runtimeValidationSchema');
    expect(Object.keys(props)).toEqual(['environment', 'lockTimeoutMs', ...json]);
    for (const [field, p] of Object.entries(props)) expect(p.description, field).toBeTruthy();
    // hooks keep their command forms; a function cannot be written in project.json
    expect(props.prebuild.anyOf).toHaveLength(2);
    expect(props.outputDir.description).toContain('Default: "dist".');
  });
});
