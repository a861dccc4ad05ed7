/**
 * Error messages for input validated with zod (policies, report settings): each problem names the field and the
 * bad value, e.g. `additionalRelief.subjectAgeThreshold: 30 must be 0 (off) or 40-65`.
 */
import type { z } from 'zod';

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function fieldName(path: readonly PropertyKey[], root: string): string {
  let name = '';
  for (const key of path) name += typeof key === 'number' ? `[${key}]` : `${name ? '.' : ''}${String(key)}`;
  return name || root;
}

/** A value as the message shows it: JSON, except what JSON would hide (NaN and Infinity read as null). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}

/** One `field: value message` line per problem; `root` names the whole input (e.g. "(policy)"). */
export function describeIssues(error: z.ZodError, input: unknown, root: string): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys
        .map((key) => `${fieldName([...issue.path, key], root)}: unknown option (value ${describeValue(valueAt(input, [...issue.path, key]))})`)
        .join('; ');
    }
    const expected = issue.code === 'invalid_type' ? issue.expected : undefined;
    const message = expected === undefined ? issue.message : `must be ${expected === 'int' ? 'a whole number' : expected}`;
    return `${fieldName(issue.path, root)}: ${describeValue(valueAt(input, issue.path))} ${message}`;
  });
}
