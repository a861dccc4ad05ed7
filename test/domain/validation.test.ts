/** zod problems as messages (lambdas/domain/validation.ts): each names the field and the bad value. */
import * as z from 'zod';
import { describeIssues, describeValue } from '../../lambdas/domain/validation';

const schema = z
  .object({
    county: z.string(),
    limits: z.object({ years: z.number().int().min(1, 'must be 1 or more') }).strict(),
    lists: z.array(z.boolean()),
  })
  .strict();

function problems(input: unknown): string[] {
  const parsed = schema.safeParse(input);
  if (parsed.success) return [];
  return describeIssues(parsed.error, input, '(policy)');
}

describe('describeValue', () => {
  it('shows JSON, "missing" for undefined, and NaN and Infinity as themselves', () => {
    expect(describeValue('SUTTER')).toBe('"SUTTER"');
    expect(describeValue({ a: [1] })).toBe('{"a":[1]}');
    expect(describeValue(undefined)).toBe('missing');
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(-Infinity)).toBe('-Infinity');
    expect(describeValue(null)).toBe('null');
  });
});

describe('describeIssues', () => {
  it('names the field by its path (dots, [index]) with the bad value and what it must be', () => {
    expect(problems({ county: 'X', limits: { years: 0 }, lists: [true] })).toEqual(['limits.years: 0 must be 1 or more']);
    expect(problems({ county: 'X', limits: { years: 2.5 }, lists: [true] })).toEqual(['limits.years: 2.5 must be a whole number']);
    expect(problems({ county: 'X', limits: { years: 2 }, lists: [true, 'yes'] })).toEqual(['lists[1]: "yes" must be boolean']);
    expect(problems({ limits: { years: 2 }, lists: [] })).toEqual(['county: missing must be string']);
  });

  it('names each unknown option with its value, and the root for a problem of the whole input', () => {
    expect(problems({ county: 'X', limits: { years: 2, months: 3, days: 'x' }, lists: [] })).toEqual([
      'limits.months: unknown option (value 3); limits.days: unknown option (value "x")',
    ]);
    expect(problems(42)).toEqual(['(policy): 42 must be object']);
  });
});
