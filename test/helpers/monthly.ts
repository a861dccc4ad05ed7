/**
 * What two consecutive months of a county must show (docs/monthly.md), shared by the `classify --previous` and the
 * `run --keep-state` end-to-end tests: the generator's month-2 extract of the same seed gives exactly the changes
 * it planted, each kind.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { ChangeKind } from '../../lambdas/domain/register/compare';
import { personKey } from '../../lambdas/domain/register/record';
import { GenerateOptions } from '../../tools/generator';
import { PlantedChange } from '../../tools/next-month';

export const MONTHLY_COUNTY = 'LOS ANGELES';
/** Misdemeanors dismissed, felony 11359/11360 reduced, felony 11357/11358 undecided: every rule is the conviction's own. */
export const MONTHLY_POLICY = { baselineEligibility: { reduce: ['11359', '11360'] } };
export const MONTH: Omit<GenerateOptions, 'nextMonth'> = { county: MONTHLY_COUNTY, people: 400, seed: 11, malformedDateRate: 0 };

/** What each planted change must show in the comparison, under MONTHLY_POLICY. */
export function expectedKinds(change: PlantedChange): ChangeKind[] {
  const reduced = change.section === '11359' || change.section === '11360';
  switch (change.change) {
    case 'sealed':
    case 'new person':
      return []; // every conviction of the person: checked apart
    case 'new conviction':
      return ['new'];
    case 'corrected date':
      return ['gone from the extract', 'new'];
    case 'felony to misdemeanor':
      return [reduced ? 'determination changed' : 'newly eligible'];
    case 'misdemeanor to felony':
      return [reduced ? 'determination changed' : 'no longer eligible'];
  }
}

/**
 * The changes expected per person key: a sealed person's convictions of month 1 all gone, a new person's of month 2
 * all new, every other planted change its own kinds (sorted). `convictions(pk, month)` counts a person's.
 */
export function expectedChanges(planted: readonly PlantedChange[], convictions: (pk: number, month: 1 | 2) => number): Map<number, ChangeKind[]> {
  const expected = new Map<number, ChangeKind[]>();
  for (const change of planted) {
    const pk = personKey(change.subjectId);
    const kinds: ChangeKind[] =
      change.change === 'sealed'
        ? Array.from({ length: convictions(pk, 1) }, () => 'gone from the extract' as const)
        : change.change === 'new person'
          ? Array.from({ length: convictions(pk, 2) }, () => 'new' as const)
          : expectedKinds(change).sort();
    if (kinds.length > 0) expected.set(pk, kinds);
  }
  return expected;
}

/** A results CSV as records by header (quoted fields included). */
export function csvRecords(file: string): Array<Record<string, string>> {
  return parse(readFileSync(file, 'latin1'), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
}
