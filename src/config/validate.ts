import { z } from 'zod';
import { buildError, fail, ok, type BuildError, type Result } from '../errors';
import { describeValue } from '../utils/describe-value';
import { buildConfigSchema, type ParsedBuildConfig } from './schema';
import { classifyUnknownKeys } from './unknown-keys';

/** Validates a raw config against the schema, reporting every problem at once. */
export function validateConfigShape(raw: unknown, file: string): Result<ParsedBuildConfig> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail(
      buildError('CONFIG_INVALID', 'the config must be an object', {
        phase: 'validate',
        file,
        expected: 'an object',
        found: describeValue(raw),
      }),
    );
  }
  // Unknown top-level keys: typos are errors here, the rest warnings of resolution (unknown-keys.ts).
  const unknown = classifyUnknownKeys(raw as Record<string, unknown>, Object.keys(buildConfigSchema.shape), file);
  const known = Object.fromEntries(Object.entries(raw).filter(([k]) => !unknown.keys.includes(k)));
  const result = buildConfigSchema.safeParse(known);
  if (result.success && !unknown.errors.length) return ok(result.data);
  return fail(...unknown.errors, ...(result.success ? [] : result.error.issues.map((issue) => issueToError(issue, raw, file))));
}

function issueToError(issue: z.core.$ZodIssue, raw: unknown, file: string): BuildError {
  const path = issue.path.map(String);
  const value = valueAt(raw, issue.path);
  let expected: string | undefined;
  let message = issue.message;
  let field = path.join('.');
  switch (issue.code) {
    case 'invalid_type':
      expected = issue.expected;
      message = value === undefined ? 'required field is missing' : 'wrong type';
      break;
    case 'invalid_value':
      expected = issue.values.map((v) => JSON.stringify(v)).join(' | ');
      message = 'not an allowed value';
      break;
    case 'unrecognized_keys':
      field = [...path, issue.keys.join(',')].filter(Boolean).join('.');
      message = `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      expected = 'one of the documented options';
      return buildError('CONFIG_INVALID', message, { phase: 'validate', file, field, expected, found: issue.keys.join(', ') });
    case 'invalid_union':
      expected = unionExpectation(path);
      message = 'wrong type';
      break;
    case 'too_small':
      expected =
        issue.origin === 'string'
          ? 'a non-empty string'
          : issue.origin === 'array'
            ? 'a non-empty array'
            : `at least ${String(issue.minimum)}`;
      break;
  }
  return buildError('CONFIG_INVALID', message, {
    phase: 'validate',
    file,
    field: field || undefined,
    expected,
    found: describeValue(value),
  });
}

function unionExpectation(path: string[]): string | undefined {
  const last = path[path.length - 1];
  switch (last) {
    case 'entry':
      return 'a path, an array of paths or an object of { outName: path }';
    case 'format':
      return '"esm" | "cjs" or an array of them';
    case 'target':
      return 'a string or an array of strings';
    case 'prebuild':
    case 'postbuild':
    case 'command':
      return 'a command string, { cmd } or a function';
    case 'clean':
      return 'a command string, { cmd }, a function or { command?, keep?, dryRun? }';
    default:
      return undefined;
  }
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
