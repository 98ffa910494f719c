/**
 * How errors name a value that was found where another was expected: `string "webpack"`,
 * `number 42`, `array ["a"]`, `a function`. Free of zod: adapters validate their options with
 * it without loading the schema.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  if (value === null) return 'null';
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = String(value); // a cycle
  }
  const text = json === undefined ? String(value) : json.length > 60 ? `${json.slice(0, 59)}…` : json;
  return `${Array.isArray(value) ? 'array' : typeof value} ${text}`;
}
