/**
 * Property tests (fast-check) for the invariants the fan-out relies on (eligibility.md, DESIGN.md): row order,
 * byte ranges and partitions do not change results; every row is accounted for; stricter policies and extra
 * disqualifying priors never add relief. Statistics merge laws: statistics.test.ts.
 * A failing case prints its seed; add it to `examples` of that property to keep it as a regression case.
 */
import { DETERMINATION } from '../../lambdas/domain/decision';
import fc from 'fast-check';
import { COL, ELIGIBILITY_COLUMNS, FIELD_COUNT } from '../../lambdas/domain/columns';
import { parseIsoDate } from '../../lambdas/domain/dates';
import { generateExtract } from '../../tools/generator';
import { parsePolicy, PolicyInput } from '../../lambdas/domain/policy';
import { isRelief } from '../../lambdas/domain/rules';
import { normalizeStatistics } from '../../lambdas/domain/statistics';
import { Summary } from '../../lambdas/domain/summary';
import {
  ArbitraryRow,
  birthDatesArbitrary,
  computeAtArbitrary,
  fieldsOf,
  makeConvictionsConsistent,
  policyArbitrary,
  rowArbitrary,
} from '../helpers/arbitraries';
import { classifyInMemory } from '../helpers/classify-rows';
import { compareCsv, describeDifferences, parseCsvText } from '../helpers/csv-compare';
import { convictionRow, csvRecord, dojCsv, DOJ_HEADER, rfc4180Field } from '../helpers/doj-rows';
import { FixtureResult, runFixture } from '../helpers/run-fixture';
import { COURT_LIST_FILES } from '../../lambdas/domain/report/court-lists';

// The properties compare everything a run publishes but report.html, whose charts (vega) are most of a pipeline run's
// time: charts are drawn as placeholders here (test/helpers/chart-placeholder.ts).
jest.mock('../../lambdas/domain/report/charts', () => jest.requireActual('../helpers/chart-placeholder').chartsWithPlaceholderSvg());

const COUNTY = 'SACRAMENTO';
/** Properties that run the whole pipeline get fewer cases than the in-memory ones, and room for a loaded machine. */
const PIPELINE_PROPERTY_TIMEOUT = 180_000;
const column = (name: (typeof ELIGIBILITY_COLUMNS)[number]) => FIELD_COUNT + ELIGIBILITY_COLUMNS.indexOf(name);
const CASE_NUMBER = column('Case Number');
const SUPERSTRIKES = column('Superstrike Code Section(s)');
const PC290 = column('PC290 Code Section(s)');
const DETERMINATION_COLUMN = column('Eligibility Determination');
const REASON = column('Eligibility Reason');

function generated(people: number, seed: number, options: { header?: boolean; malformedDateRate?: number } = {}): string {
  return [...generateExtract({ county: COUNTY, people, seed, chunkBytes: 1 << 20, ...options })].join('');
}

/** Generated rows as fields, RECORD_ID set to `G<index>` so each row can be found again. */
function generatedFields(people: number, seed: number, malformedDateRate: number): string[][] {
  const rows = parseCsvText(generated(people, seed, { header: false, malformedDateRate }));
  rows.forEach((fields, index) => (fields[COL.RECORD_ID] = `G${index}`));
  return rows;
}

/** CSV records (one line each, no line end) parsed with one parser: a parser per record costs more than the record. */
function parseRecords(records: readonly string[]): string[][] {
  return records.length === 0 ? [] : parseCsvText(`${records.join('\n')}\n`);
}

/**
 * Each row's 18 columns by RECORD_ID, with what is order-dependent by definition made order-free: the
 * list columns as multisets, the evidence of a disqualifier reason (which prior is cited) dropped, and the
 * convicting rows of one count (a conviction and its sentence parts, identical once made consistent) taken
 * as a group, since whichever comes first is the conviction. The statistics come along under "(statistics)".
 */
function annotationsById(rows: ReadonlyArray<readonly string[]>, policyInput: PolicyInput, computeAt: string): Map<string, string[]> {
  const result = classifyInMemory(rows, { county: COUNTY, computeAtDay: parseIsoDate(computeAt), policy: parsePolicy(policyInput) });
  const byId = new Map<string, string[]>();
  const parsed = parseRecords(result.rows.map((row) => row.full));
  result.rows.forEach((row, index) => {
    const fields = parsed[index];
    const annotation = fields.slice(FIELD_COUNT);
    for (const [at, separator] of [[CASE_NUMBER, '; '], [SUPERSTRIKES, ';'], [PC290, ';']] as const) {
      annotation[at - FIELD_COUNT] = fields[at].split(separator).sort().join(separator);
    }
    const reason = fields[REASON];
    if (/^(Prior |Two prior |Currently serving sentence: )/.test(reason)) annotation[REASON - FIELD_COUNT] = reason.replace(/: .*$/, '');
    annotation.push(row.evaluated ? 'evaluated' : '');
    const input = rows[index];
    const key = input[COL.DISP_DESCR].startsWith('CONVICTED') ? `count ${input[COL.SUBJECT_ID]} ${input[COL.CNT_ORDER]}` : input[COL.RECORD_ID];
    byId.set(key, [...(byId.get(key) ?? []), JSON.stringify(annotation)].sort());
  });
  byId.set('(statistics)', [JSON.stringify(normalizeStatistics({ ...result.statistics }))]);
  return byId;
}

describe('(a) classifying a file equals classifying any permutation of its rows', () => {
  test('generated extracts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer(),
        fc.constantFrom(0, 0.002, 0.1),
        policyArbitrary,
        computeAtArbitrary,
        fc.infiniteStream(fc.nat()),
        (people, seed, malformedDateRate, policy, computeAt, keys) => {
          const rows = generatedFields(people, seed, malformedDateRate);
          makeConvictionsConsistent(rows);
          const sortKeys = rows.map(() => keys.next().value as number);
          const permuted = rows.map((row, index) => ({ row, key: sortKeys[index] })).sort((a, b) => a.key - b.key).map(({ row }) => row);
          expect(annotationsById(permuted, policy, computeAt)).toEqual(annotationsById(rows, policy, computeAt));
        },
      ),
      // sized to find a planted order dependence (the latest conviction date taken in file order) many times over
      { numRuns: 50 },
    );
  });

  test('arbitrary rows (sections, dates, counties, step types, short CNT_ORDERs)', () => {
    fc.assert(
      fc.property(
        fc.array(rowArbitrary, { minLength: 1, maxLength: 25 }).chain((rows) =>
          fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows.map((_, i) => i), { minLength: rows.length, maxLength: rows.length })),
        ),
        birthDatesArbitrary,
        policyArbitrary,
        computeAtArbitrary,
        ([rows, order], birthDates, policy, computeAt) => {
          const fields = fieldsOf(rows, birthDates);
          makeConvictionsConsistent(fields);
          const permuted = order.map((index) => fields[index]);
          expect(annotationsById(permuted, policy, computeAt)).toEqual(annotationsById(fields, policy, computeAt));
        },
      ),
      // sized to find a planted order dependence (the latest conviction date taken in file order) many times over
      { numRuns: 250 },
    );
  });

  test('the comparison is not blind: without consistent sentence parts, order can matter', () => {
    // Two convicting rows of one count that disagree: the first one is the conviction, by definition.
    const rows: ArbitraryRow[] = [
      { subject: 1, stepType: 'COURT ACTION', disposition: 'CONVICTED', offense: '11358 HS', comment: '', date: '20100101', county: COUNTY, status: 'FELONY', toc: 'F', countOrder: '101001001000', ofn: '' },
      { subject: 1, stepType: 'COURT ACTION', disposition: 'CONVICTED', offense: '459 PC', comment: '', date: '20100101', county: COUNTY, status: 'FELONY', toc: 'F', countOrder: '101001001000', ofn: '' },
    ];
    const fields = fieldsOf(rows, ['', '19700101', '', '', '']);
    expect(annotationsById([fields[1], fields[0]], { baselineEligibility: { dismiss: ['11358'] } }, '2020-01-01')).not.toEqual(
      annotationsById(fields, { baselineEligibility: { dismiss: ['11358'] } }, '2020-01-01'),
    );
  });
});

/** Everything a run publishes except what depends on timing or on how many files the input had. */
function publishedBytes(result: FixtureResult): Record<string, unknown> {
  const { processingTimeInSeconds: _p, timings: _t, files: _f, ...summary } = result.summary as Summary;
  const lists = Object.values(COURT_LIST_FILES).map((name) => result.store.text(`${result.plan.resultsPrefix}${name}`));
  return { allResults: result.allResults, prop64Results: result.prop64Results, condensed: result.condensed, rejects: result.rejects, lists, summary };
}

describe('(b) any byte ranges, partitions and file cuts give byte-identical outputs', () => {
  test('generated extracts, LF or CRLF', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer(),
        fc.boolean(),
        fc.array(
          fc.record({
            sizing: fc.record({
              targetRangeBytes: fc.integer({ min: 1, max: 20_000 }),
              targetPartitionBytes: fc.integer({ min: 1, max: 20_000 }),
              maxPartitions: fc.integer({ min: 1, max: 40 }),
              targetSliceBytes: fc.integer({ min: 1, max: 30_000 }),
            }),
            readChunkBytes: fc.integer({ min: 1, max: 5000 }),
            concurrency: fc.integer({ min: 1, max: 8 }),
            parallelMerges: fc.boolean(),
          }),
          { minLength: 2, maxLength: 2 },
        ),
        async (people, seed, crlf, cuts) => {
          const lf = generated(people, seed);
          const text = crlf ? lf.replace(/\n/g, '\r\n') : lf;
          const base = { county: COUNTY, computeAt: '2020-07-01', maxRejectRatio: 1 };
          const whole = await runFixture({ ...base, files: [{ name: 'extract.csv', content: text }] });
          for (const cut of cuts) {
            const result = await runFixture({ ...base, files: [{ name: 'extract.csv', content: text }], ...cut });
            expect(publishedBytes(result)).toEqual(publishedBytes(whole));
          }
          if (crlf) {
            // CRLF rows are re-written with LF: the same cells as from the LF file (quoting may differ)
            const fromLf = await runFixture({ ...base, files: [{ name: 'extract.csv', content: lf }] });
            expect(describeDifferences(compareCsv(fromLf.allResults, whole.allResults))).toBe('');
            expect(whole.allResults).not.toContain('\r');
          }
        },
      ),
      { numRuns: 10 },
    );
  }, PIPELINE_PROPERTY_TIMEOUT);

  // Regression: Plan once cut a range at a line break inside a quoted field and the run failed; cuts now move to
  // a line start that begins records. DESIGN.md: any extract must classify correctly, whatever the cut.
  test('quoted line breaks at a range boundary: the same outputs as one range', async () => {
    const rows = [1, 2, 3, 4].map((i) => ({
      ...convictionRow({ subjectId: String(i), recordId: `r${i}`, offense: '11358 HS-CULTIVATE', date: '20100101' }),
      COMMENT_TEXT: 'FIRST LINE\nSECOND LINE\nTHIRD LINE',
    }));
    const text = dojCsv(rows);
    const base = { county: COUNTY, computeAt: '2020-07-01' };
    const whole = await runFixture({ ...base, files: [{ name: 'extract.csv', content: text }] });
    // the nominal range end falls just before the first quoted line break
    const cut = await runFixture({ ...base, files: [{ name: 'extract.csv', content: text }], sizing: { targetRangeBytes: text.indexOf('FIRST LINE\n') + 3 } });
    expect(publishedBytes(cut)).toEqual(publishedBytes(whole));
  });

  test('an extract cut into several files at any line ends', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 10 }), fc.integer(), fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), fc.boolean(), async (people, seed, cuts, parallelMerges) => {
        const lines = generated(people, seed).split(/(?<=\n)/);
        const points = [...new Set(cuts.map((cut) => 1 + (cut % (lines.length - 1))))].sort((a, b) => a - b);
        const files = [0, ...points].map((from, index, all) => ({ name: `part${index}.csv`, content: lines.slice(from, all[index + 1]).join('') }));
        const base = { county: COUNTY, computeAt: '2020-07-01' };
        const whole = await runFixture({ ...base, files: [{ name: 'extract.csv', content: lines.join('') }] });
        const split = await runFixture({ ...base, files, sizing: { targetRangeBytes: 3000, targetPartitionBytes: 5000, targetSliceBytes: 4000 }, parallelMerges });
        expect(publishedBytes(split)).toEqual(publishedBytes(whole));
        // per-file counts come from the merge, also when the merges run apart
        expect(split.summary.files.map((file) => file.rowsWritten)).toEqual(files.map((file) => file.content.split('\n').filter((line) => line !== '' && !line.startsWith('RECORD_ID')).length));
      }),
      { numRuns: 10 },
    );
  }, PIPELINE_PROPERTY_TIMEOUT);
});

const SENTINEL: ArbitraryRow = {
  subject: 4, stepType: 'ARREST/DETAINED/CITED', disposition: '', offense: '459 PC', comment: '', date: '20000101', county: COUNTY, status: '', toc: 'F', countOrder: '101001001000', ofn: '',
};

type Corruption = 'dropField' | 'addField' | 'bareQuote' | 'textAfterQuote';

/** A bad version of a row's line that the reader must reject as a whole line (no quote left open). */
function corrupt(fields: readonly string[], kind: Corruption): string {
  const encoded = fields.map(rfc4180Field);
  switch (kind) {
    case 'dropField':
      return encoded.slice(0, -1).join(',');
    case 'addField':
      return `${encoded.join(',')},EXTRA`;
    case 'bareQuote':
      encoded[COL.CNT_ORDER] = `10"${fields[COL.CNT_ORDER]}`;
      return encoded.join(',');
    default:
      encoded[COL.CNT_ORDER] = `"${fields[COL.CNT_ORDER]}"X`;
      return encoded.join(',');
  }
}

describe('(d) every input row is in All_Results or rejects.csv exactly once', () => {
  test('generated extracts with random bad rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer(),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom<Corruption>('dropField', 'addField', 'bareQuote', 'textAfterQuote')), { maxLength: 6 }),
        fc.boolean(),
        fc.record({
          targetRangeBytes: fc.integer({ min: 500, max: 20_000 }),
          targetPartitionBytes: fc.integer({ min: 500, max: 20_000 }),
          targetSliceBytes: fc.integer({ min: 1, max: 30_000 }),
        }),
        async (people, seed, corruptions, header, sizing) => {
          const rows = parseCsvText(generated(people, seed, { header: false }));
          // a row of the county that is never corrupted, so that the run has the county whatever is rejected
          rows.push(fieldsOf([{ ...SENTINEL }], ['', '', '', '', '19700101'])[0]);
          rows.forEach((fields, index) => (fields[COL.RECORD_ID] = `G${index}`));
          const lines = rows.map((fields) => csvRecord(fields));
          const rejected = new Map<number, Corruption>();
          for (const [at, kind] of corruptions) rejected.set(at % (rows.length - 1), kind);
          for (const [index, kind] of rejected) lines[index] = corrupt(rows[index], kind);
          const content = `${header ? `${DOJ_HEADER}\n` : ''}${lines.join('\n')}\n`;
          const result = await runFixture({ files: [{ name: 'extract.csv', content }], county: COUNTY, computeAt: '2020-07-01', maxRejectRatio: 1, sizing });

          const written = parseCsvText(result.allResults).slice(1);
          const rejects = parseCsvText(result.rejects).slice(1);
          const seen = [...written.map((fields) => fields[COL.RECORD_ID]), ...rejects.map((reject) => reject[4].slice(0, reject[4].indexOf(',')))];
          expect(seen.sort()).toEqual(rows.map((fields) => fields[COL.RECORD_ID]).sort());
          expect(rejects.map((reject) => Number(reject[1]))).toEqual([...rejected.keys()].sort((a, b) => a - b).map((index) => index + 1 + (header ? 1 : 0)));
          expect(result.summary.rowsRead).toBe(rows.length);
          expect(result.summary.rowsRead).toBe(result.summary.rowsWritten + result.summary.rowsRejected);
          expect(result.summary.rowsRejected).toBe(rejected.size);

          // a person with rejected rows: every evaluated conviction is in Hand Review, naming how many
          const rejectsBySubject = new Map<string, number>();
          for (const index of rejected.keys()) rejectsBySubject.set(rows[index][COL.SUBJECT_ID], (rejectsBySubject.get(rows[index][COL.SUBJECT_ID]) ?? 0) + 1);
          for (const fields of parseCsvText(result.prop64Results).slice(1)) {
            const count = rejectsBySubject.get(fields[COL.SUBJECT_ID]);
            if (count === undefined) expect(fields[REASON]).not.toMatch(/^Incomplete record/);
            else expect([fields[DETERMINATION_COLUMN], fields[REASON]]).toEqual([DETERMINATION.handReview, `Incomplete record: ${count} rejected rows`]);
          }
        },
      ),
      { numRuns: 30 },
    );
  }, PIPELINE_PROPERTY_TIMEOUT);
});

/** RECORD_ID → determination, for the evaluated convictions. */
function determinations(rows: ReadonlyArray<readonly string[]>, policy: PolicyInput, computeAt: string): Map<string, string> {
  const result = classifyInMemory(rows, { county: COUNTY, computeAtDay: parseIsoDate(computeAt), policy: parsePolicy(policy) });
  const byId = new Map<string, string>();
  const evaluated = parseRecords(result.rows.filter((row) => row.evaluated).map((row) => row.full));
  for (const fields of evaluated) byId.set(fields[COL.RECORD_ID], fields[DETERMINATION_COLUMN]);
  return byId;
}

/** Dismissal > reduction > anything else. */
function reliefRank(determination: string): number {
  return determination === DETERMINATION.dismissal ? 2 : isRelief(determination) ? 1 : 0;
}

const DISQUALIFYING_OFFENSES = ['187 PC-MURDER', '220 PC-ASSAULT', '288(A) PC-LEWD', '261(A)(2) PC-RAPE', '314(1) PC-EXPOSURE', '243.4 PC-SEXUAL BATTERY'];

describe('(e) monotonicity', () => {
  // Less relief is possible (a dismissal by "only Prop 64 charges" can become a reduction), more is not.
  test('adding a disqualifying prior never adds relief, and "Not eligible" stays "Not eligible" (or Hand Review)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer(),
        policyArbitrary,
        computeAtArbitrary,
        fc.nat(),
        fc.constantFrom(...DISQUALIFYING_OFFENSES),
        fc.date({ min: new Date('1960-01-01T00:00:00Z'), max: new Date('2020-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom(COUNTY, 'YOLO'),
        (people, seed, policy, computeAt, who, offense, date, county) => {
          const notEligible = { ...policy, disqualifiers: { ...policy.disqualifiers, superstrike: 'notEligible', pc290: 'notEligible' } } as PolicyInput;
          const rows = generatedFields(people, seed, 0.002);
          makeConvictionsConsistent(rows);
          const prior = [...rows[who % rows.length]];
          prior[COL.RECORD_ID] = 'PRIOR';
          prior[COL.CNT_ORDER] = '999001001000';
          prior[COL.STP_TYPE_DESCR] = 'COURT ACTION';
          prior[COL.DISP_DESCR] = 'CONVICTED';
          prior[COL.CONV_STAT_DESCR] = 'FELONY';
          prior[COL.OFFENSE_DESCR] = offense;
          prior[COL.COMMENT_TEXT] = '';
          prior[COL.STP_ORI_CNTY_NAME] = county;
          prior[COL.STP_EVENT_DATE] = date.toISOString().slice(0, 10).replace(/-/g, '');
          const before = determinations(rows, notEligible, computeAt);
          const after = determinations([...rows, prior], notEligible, computeAt);
          for (const [id, determination] of after) {
            const previous = before.get(id)!;
            if (reliefRank(determination) > reliefRank(previous)) expect([id, previous]).toEqual([id, determination]);
            if (previous === DETERMINATION.notEligible) expect([DETERMINATION.notEligible, DETERMINATION.handReview]).toContain(determination);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('raising an age or years threshold never adds a dismissal', () => {
    const thresholds = ['subjectAgeThreshold', 'yearsSinceConvictionThreshold', 'yearsCrimeFreeThreshold'] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer(),
        policyArbitrary,
        computeAtArbitrary,
        fc.constantFrom(...thresholds),
        fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 25 })),
        (people, seed, policy, computeAt, threshold, [x, y]) => {
          const [low, high] = threshold === 'subjectAgeThreshold' ? [40 + Math.min(x, y), 40 + Math.max(x, y)] : [1 + (Math.min(x, y) % 15), 1 + (Math.max(x, y) % 15)];
          if (low > high) return;
          const withThreshold = (value: number): PolicyInput => ({ ...policy, additionalRelief: { ...policy.additionalRelief, [threshold]: value } });
          const rows = generatedFields(people, seed, 0.002);
          const lenient = determinations(rows, withThreshold(low), computeAt);
          const strict = determinations(rows, withThreshold(high), computeAt);
          for (const [id, determination] of strict) {
            if (determination === DETERMINATION.dismissal) expect([id, lenient.get(id)]).toEqual([id, DETERMINATION.dismissal]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
