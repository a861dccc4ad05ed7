import { parse } from 'csv-parse/sync';
import { COL, DOJ_COLUMNS, FIELD_COUNT } from '../../lambdas/domain/columns';
import {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_START_SUBJECT_ID,
  estimateRowsPerPerson,
  generateExtract,
  GenerateOptions,
  peopleForRows,
} from '../../tools/generator';

const COUNTY = 'LOS ANGELES';
const SAMPLE_PEOPLE = 2000;

function generate(options: GenerateOptions): string {
  return [...generateExtract(options)].join('');
}

function parseRows(text: string): string[][] {
  return parse(text, { relax_column_count: true }) as string[][];
}

/** A strict YYYYMMDD check, independent of the generator's date table. */
function isValidDate(text: string): boolean {
  if (!/^\d{8}$/.test(text)) return false;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(4, 6));
  const day = Number(text.slice(6, 8));
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The code section as doj-research-file.md defines it (text before the first `-`, comment fallback). */
function codeSection(row: string[]): string {
  const description = row[COL.OFFENSE_DESCR].trim();
  const source = description === '' || description === 'SEE COMMENT FOR CHARGE' ? row[COL.COMMENT_TEXT] : row[COL.OFFENSE_DESCR];
  const dash = source.indexOf('-');
  return dash < 0 ? source : source.slice(0, dash);
}

const isProp64 = (row: string[]): boolean => /1135[789]|11360/.test(codeSection(row));
const isConviction = (row: string[]): boolean => row[COL.DISP_DESCR].startsWith('CONVICTED');
const isCommentOnly = (row: string[]): boolean =>
  (row[COL.OFFENSE_DESCR] === '' || row[COL.OFFENSE_DESCR] === 'SEE COMMENT FOR CHARGE') && row[COL.COMMENT_TEXT] !== '';

/** Whole years between two valid YYYYMMDD dates. */
function yearsBetween(earlier: string, later: string): number {
  return Math.floor((Number(later) - Number(earlier)) / 10000);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [item]);
    else group.push(item);
  }
  return groups;
}

describe('generateExtract', () => {
  let text: string;
  let rows: string[][]; // data rows of the sample, header removed
  let bySubject: Map<string, string[][]>;

  beforeAll(() => {
    text = generate({ county: COUNTY, people: SAMPLE_PEOPLE, seed: 42 });
    const parsed = parseRows(text);
    expect(parsed[0]).toEqual([...DOJ_COLUMNS]);
    rows = parsed.slice(1);
    bySubject = groupBy(rows, (row) => row[COL.SUBJECT_ID]);
  });

  describe('framing', () => {
    it('writes exactly 95 fields on every row and LF line ends only', () => {
      expect(FIELD_COUNT).toBe(95);
      const widths = new Set(rows.map((row) => row.length));
      expect([...widths]).toEqual([FIELD_COUNT]);
      expect(text.includes('\r')).toBe(false);
      expect(text.endsWith('\n')).toBe(true);
    });

    it('starts with the RECORD_ID header by default and omits it on request', () => {
      expect(text.startsWith(`${DOJ_COLUMNS.join(',')}\n`)).toBe(true);
      const withoutHeader = generate({ county: COUNTY, people: SAMPLE_PEOPLE, seed: 42, header: false });
      expect(withoutHeader.startsWith('RECORD_ID')).toBe(false);
      expect(withoutHeader).toBe(text.slice(text.indexOf('\n') + 1));
    });

    it('quotes PRI_NAME (it holds a comma) and shapes it LAST,FIRST with an optional middle initial', () => {
      expect(rows.filter((row) => !/^[A-Z]+,[A-Z]+( [A-Z])?$/.test(row[COL.PRI_NAME]))).toEqual([]);
      const firstName = rows[0][COL.PRI_NAME];
      expect(text).toContain(`,"${firstName}",`);
    });

    it('keeps the padded fields of real extracts', () => {
      expect(text).toMatch(/,"  +",/); // quoted blanks, e.g. OFFENSE_QUAL_LST
      expect(text).toContain(',x       ,'); // unquoted padding, as in the fixtures
      expect(rows.some((row) => row[COL.SENT_TIME_DESCR] === 'DAYS      ')).toBe(true);
      expect(rows.filter((row) => row[COL.END_OF_REC] !== '#')).toEqual([]);
    });

    it('writes CNT_ORDER as cycle (3) + step (3) + count (3) + 000, consistent with CYC_ORDER and STP_ORDER', () => {
      const inconsistent = rows.filter((row) => !/^\d{9}000$/.test(row[COL.CNT_ORDER])
        || Number(row[COL.CNT_ORDER].slice(0, 3)) !== 100 + Number(row[COL.CYC_ORDER])
        || Number(row[COL.CNT_ORDER].slice(3, 6)) !== Number(row[COL.STP_ORDER]));
      expect(inconsistent).toEqual([]);
    });
  });

  describe('people', () => {
    it('writes exactly `people` distinct SUBJECT_IDs, consecutive from startSubjectId', () => {
      expect(bySubject.size).toBe(SAMPLE_PEOPLE);
      const ids = [...bySubject.keys()].map(Number).sort((a, b) => a - b);
      expect(ids[0]).toBe(DEFAULT_START_SUBJECT_ID);
      expect(ids[ids.length - 1]).toBe(DEFAULT_START_SUBJECT_ID + SAMPLE_PEOPLE - 1);

      const shifted = parseRows(generate({ county: COUNTY, people: 7, seed: 42, startSubjectId: 555, header: false }));
      expect([...new Set(shifted.map((row) => row[COL.SUBJECT_ID]))].sort()).toEqual(['555', '556', '557', '558', '559', '560', '561']);
    });

    it('repeats the person columns unchanged on every row of a person', () => {
      const personColumns = [COL.PRI_NAME, COL.PRI_DOB, COL.GENDER, COL.RACE_CODE, COL.RACE_DESCR, COL.CII_NUMBER, COL.PRI_SSN];
      const varying = [...bySubject.entries()].filter(([, personRows]) =>
        personColumns.some((column) => personRows.some((row) => row[column] !== personRows[0][column])));
      expect(varying.map(([subject]) => subject)).toEqual([]);
    });

    it('fabricates SSNs in the never-issued 9xx area and varies names, genders and races', () => {
      expect(rows.filter((row) => !/^(9\d{8})?$/.test(row[COL.PRI_SSN]))).toEqual([]);
      const firstRows = [...bySubject.values()].map((personRows) => personRows[0]);
      expect(new Set(firstRows.map((row) => row[COL.PRI_NAME])).size).toBeGreaterThan(SAMPLE_PEOPLE * 0.8);
      expect(new Set(firstRows.map((row) => row[COL.GENDER]))).toEqual(new Set(['M', 'F', '']));
      const races = new Set(firstRows.map((row) => row[COL.RACE_DESCR]));
      for (const race of ['WHITE', 'BLACK', 'HISPANIC', 'ASIAN', 'AMERICAN INDIAN', 'OTHER', 'UNKNOWN', '']) expect(races).toContain(race);
    });

    it('gives every person a Prop 64 conviction in the requested county', () => {
      for (const [subject, personRows] of bySubject) {
        const qualifying = personRows.some((row) => isConviction(row) && isProp64(row) && row[COL.STP_ORI_CNTY_NAME] === COUNTY);
        if (!qualifying) throw new Error(`subject ${subject} has no Prop 64 conviction in ${COUNTY}`);
      }
    });

    it('averages about estimateRowsPerPerson() rows per person, and peopleForRows inverts it', () => {
      const mean = rows.length / SAMPLE_PEOPLE;
      expect(Math.abs(mean - estimateRowsPerPerson()) / estimateRowsPerPerson()).toBeLessThan(0.1);
      expect(peopleForRows(500_000)).toBe(Math.round(500_000 / estimateRowsPerPerson()));
      expect(peopleForRows(0)).toBe(0);
    });

    it('writes nothing but the header for zero people', () => {
      expect(generate({ county: COUNTY, people: 0, seed: 1 })).toBe(`${DOJ_COLUMNS.join(',')}\n`);
      expect([...generateExtract({ county: COUNTY, people: 0, seed: 1, header: false })]).toEqual([]);
    });
  });

  describe('determinism', () => {
    it('gives byte-identical output for the same options and different output for another seed', () => {
      expect(generate({ county: COUNTY, people: SAMPLE_PEOPLE, seed: 42 })).toBe(text);
      const other = generate({ county: COUNTY, people: SAMPLE_PEOPLE, seed: 43 });
      expect(other).not.toBe(text);
      expect(parseRows(other)[1][COL.PRI_NAME] === rows[0][COL.PRI_NAME] && parseRows(other)[1][COL.PRI_DOB] === rows[0][COL.PRI_DOB]).toBe(false);
    });

    it('does not depend on the chunk size, and every chunk ends at a row end', () => {
      const options = { county: COUNTY, people: 300, seed: 9 };
      const reference = generate(options);
      for (const chunkBytes of [1, 777, 10_000]) {
        const chunks = [...generateExtract({ ...options, chunkBytes })];
        expect(chunks.join('')).toBe(reference);
        chunks.forEach((chunk, index) => {
          expect(chunk.endsWith('\n')).toBe(true);
          if (index < chunks.length - 1) expect(chunk.length).toBeGreaterThanOrEqual(chunkBytes);
        });
      }
    });

    it('yields chunks of about 64 KiB by default', () => {
      const chunks = [...generateExtract({ county: COUNTY, people: SAMPLE_PEOPLE, seed: 42 })];
      expect(chunks.length).toBeGreaterThan(10);
      for (const chunk of chunks.slice(0, -1)) {
        expect(chunk.length).toBeGreaterThanOrEqual(DEFAULT_CHUNK_BYTES);
        expect(chunk.length).toBeLessThan(DEFAULT_CHUNK_BYTES + 4096); // overshoot is at most one row
      }
    });

    it('draws a person from (seed, SUBJECT_ID) alone, so ranges of subjects can be generated separately', () => {
      const rowsOf = (startSubjectId: number, people: number) =>
        groupBy(parseRows(generate({ county: COUNTY, people, seed: 5, startSubjectId, header: false })), (row) => row[COL.SUBJECT_ID]);
      const whole = rowsOf(1000, 60);
      const tail = rowsOf(1030, 30);
      for (const [subject, personRows] of tail) expect(personRows).toEqual(whole.get(subject));
    });

    it('validates options when called, naming the bad field', () => {
      const first = (options: GenerateOptions) => () => generateExtract(options);
      expect(first({ county: COUNTY, people: -1, seed: 1 })).toThrow(/people.*-1/);
      expect(first({ county: COUNTY, people: 1.5, seed: 1 })).toThrow(/people.*1\.5/);
      expect(first({ county: '', people: 1, seed: 1 })).toThrow(/county/);
      expect(first({ county: 'Los Angeles', people: 1, seed: 1 })).toThrow(/county.*Los Angeles/);
      expect(first({ county: COUNTY, people: 1, seed: 0.5 })).toThrow(/seed.*0\.5/);
      expect(first({ county: COUNTY, people: 1, seed: 1, malformedDateRate: 2 })).toThrow(/malformedDateRate.*2/);
      expect(first({ county: COUNTY, people: 1, seed: 1, startSubjectId: 0 })).toThrow(/startSubjectId.*0/);
      expect(first({ county: COUNTY, people: 1, seed: 1, chunkBytes: 0 })).toThrow(/chunkBytes.*0/);
    });
  });

  describe('the shapes real extracts have', () => {
    it('has several cycles per person, an arrest step and usually a court step per cycle', () => {
      const cycles = [...bySubject.values()].map((personRows) => new Set(personRows.map((row) => row[COL.CNT_ORDER].slice(0, 3))).size);
      expect(cycles.filter((count) => count >= 3).length).toBeGreaterThan(SAMPLE_PEOPLE * 0.3);
      const steps = new Set(rows.map((row) => row[COL.STP_TYPE_DESCR]));
      for (const step of ['ARREST/DETAINED/CITED', 'COURT ACTION', 'REGISTRATION', 'DECEASED']) expect(steps).toContain(step);
      const court = rows.filter((row) => row[COL.STP_TYPE_DESCR] === 'COURT ACTION');
      const arrest = rows.filter((row) => row[COL.STP_TYPE_DESCR] === 'ARREST/DETAINED/CITED');
      expect(court.length).toBeGreaterThan(arrest.length * 0.8);
    });

    it('keeps each person in chronological cycle order even when people interleave', () => {
      const outOfOrder = [...bySubject.entries()].filter(([, personRows]) =>
        personRows.some((row, i) => i > 0 && row[COL.CNT_ORDER].slice(0, 3) < personRows[i - 1][COL.CNT_ORDER].slice(0, 3)));
      expect(outOfOrder.map(([subject]) => subject)).toEqual([]);
    });

    it('interleaves the rows of some neighbouring people, while most people stay contiguous', () => {
      const positions = groupBy(rows.map((row, index) => ({ subject: row[COL.SUBJECT_ID], index })), (entry) => entry.subject);
      let interleaved = 0;
      for (const entries of positions.values()) {
        const first = entries[0].index;
        const last = entries[entries.length - 1].index;
        if (last - first + 1 > entries.length) interleaved++;
      }
      expect(interleaved).toBeGreaterThan(SAMPLE_PEOPLE * 0.03);
      expect(interleaved).toBeLessThan(SAMPLE_PEOPLE * 0.3);
    });

    it('puts most rows in the requested county and the rest in several other counties', () => {
      const inCounty = rows.filter((row) => row[COL.STP_ORI_CNTY_NAME] === COUNTY).length / rows.length;
      expect(inCounty).toBeGreaterThan(0.6);
      expect(inCounty).toBeLessThan(0.8);
      expect(new Set(rows.map((row) => row[COL.STP_ORI_CNTY_NAME])).size).toBeGreaterThanOrEqual(10);
      const multiCounty = [...bySubject.values()].filter((personRows) => new Set(personRows.map((row) => row[COL.STP_ORI_CNTY_NAME])).size > 1);
      expect(multiCounty.length).toBeGreaterThan(SAMPLE_PEOPLE * 0.3);
    });

    it('writes a target county that is not a California county as given', () => {
      const narnia = parseRows(generate({ county: 'NARNIA', people: 20, seed: 3, header: false }));
      expect(narnia.some((row) => row[COL.STP_ORI_CNTY_NAME] === 'NARNIA')).toBe(true);
    });

    it('mixes Prop 64 sections, felonies, misdemeanors and infractions, sometimes with a blank CONV_STAT_DESCR', () => {
      const prop64Convictions = rows.filter((row) => isConviction(row) && isProp64(row));
      for (const section of ['11357', '11358', '11359', '11360']) {
        expect(prop64Convictions.some((row) => codeSection(row).includes(section))).toBe(true);
      }
      expect(prop64Convictions.some((row) => row[COL.CONV_STAT_DESCR] === 'FELONY')).toBe(true);
      expect(prop64Convictions.some((row) => row[COL.CONV_STAT_DESCR] === 'MISDEMEANOR')).toBe(true);
      expect(prop64Convictions.some((row) => row[COL.CONV_STAT_DESCR] === '' && row[COL.OFFENSE_TOC] === 'F')).toBe(true);
      expect(new Set(rows.map((row) => row[COL.OFFENSE_TOC]))).toEqual(new Set(['F', 'M', 'I', '']));
      expect(rows.some((row) => !isProp64(row) && isConviction(row))).toBe(true);
      const dispositions = new Set(rows.map((row) => row[COL.DISP_DESCR]));
      for (const disposition of ['CONVICTED-JAIL', 'CONVICTED-PROBATION', 'CONVICTED-PRISON', 'DISMISSED', 'ACQUITTED']) {
        expect(dispositions).toContain(disposition);
      }
    });

    it('writes OFN case numbers on court rows: mostly shared within a step, sometimes blank, sometimes two per step', () => {
      const court = rows.filter((row) => row[COL.STP_TYPE_DESCR] === 'COURT ACTION');
      expect(court.some((row) => row[COL.OFN] === '')).toBe(true);
      expect(rows.filter((row) => row[COL.STP_TYPE_DESCR] !== 'COURT ACTION').every((row) => row[COL.OFN] === '')).toBe(true);
      const steps = groupBy(court, (row) => `${row[COL.SUBJECT_ID]}/${row[COL.CNT_ORDER].slice(0, 6)}`);
      const caseCounts = [...steps.values()].filter((stepRows) => stepRows.length > 1)
        .map((stepRows) => new Set(stepRows.map((row) => row[COL.OFN]).filter((ofn) => ofn !== '')).size);
      expect(caseCounts.filter((count) => count === 1).length).toBeGreaterThan(caseCounts.length * 0.5);
      expect(caseCounts.some((count) => count === 2)).toBe(true);
    });

    it('adds sentence-part rows: a later convicting row of the same count with a length and D/M/Y unit', () => {
      const counts = groupBy(rows.filter(isConviction), (row) => `${row[COL.SUBJECT_ID]}/${row[COL.CNT_ORDER]}`);
      const withParts = [...counts.values()].filter((countRows) => countRows.length > 1);
      expect(withParts.length).toBeGreaterThan(50);
      for (const countRows of withParts) {
        for (const part of countRows.slice(1)) {
          expect(part[COL.SENT_LENGTH]).toMatch(/^\d+$/);
          expect(['D', 'M', 'Y']).toContain(part[COL.SENT_TIME_CODE]);
        }
      }
      // Rows of one count need not be adjacent: some sentence parts follow the step's other counts.
      const adjacentOnly = withParts.every((countRows) => {
        const indices = countRows.map((row) => rows.indexOf(row));
        return indices.every((index, i) => i === 0 || index === indices[i - 1] + 1);
      });
      expect(adjacentOnly).toBe(false);
    });

    it('puts some charges only in COMMENT_TEXT, Prop 64 ones included', () => {
      const commentOnly = rows.filter(isCommentOnly);
      expect(commentOnly.some((row) => row[COL.OFFENSE_DESCR] === 'SEE COMMENT FOR CHARGE')).toBe(true);
      expect(commentOnly.some((row) => row[COL.OFFENSE_DESCR] === '')).toBe(true);
      expect(commentOnly.some((row) => isConviction(row) && isProp64(row) && row[COL.COMMENT_TEXT].startsWith('11358 HS-CULTIVATE CANNABIS'))).toBe(true);
      expect(commentOnly.some((row) => !isProp64(row))).toBe(true);
    });

    it('has a few deceased people and PC 290 registrations, and registrations that are not PC 290', () => {
      const deceased = [...bySubject.values()].filter((personRows) => personRows.some((row) => row[COL.STP_TYPE_DESCR] === 'DECEASED'));
      expect(deceased.length).toBeGreaterThan(SAMPLE_PEOPLE * 0.005);
      expect(deceased.length).toBeLessThan(SAMPLE_PEOPLE * 0.05);
      const registrations = rows.filter((row) => row[COL.STP_TYPE_DESCR] === 'REGISTRATION');
      expect(registrations.filter((row) => row[COL.OFFENSE_DESCR].startsWith('290 PC-REGISTRATION OF SEX OFF')).length).toBeGreaterThan(5);
      expect(registrations.some((row) => !row[COL.OFFENSE_DESCR].startsWith('290'))).toBe(true);
    });

    it('has superstrike and PC 290 convictions at small rates', () => {
      const convictedPeople = (pattern: RegExp) =>
        [...bySubject.values()].filter((personRows) => personRows.some((row) => isConviction(row) && pattern.test(codeSection(row)))).length;
      const superstrike = convictedPeople(/^(187|187\(A\)|220|245\(D\)\(3\)|207\(A\)|191\.5\(A\)) PC/);
      const pc290 = convictedPeople(/^(288\(A\)|314\(1\)|261\(A\)\(2\)|243\.4\(A\)|647\.6\(A\)\(1\)) PC/);
      for (const people of [superstrike, pc290]) {
        expect(people).toBeGreaterThan(SAMPLE_PEOPLE * 0.005);
        expect(people).toBeLessThan(SAMPLE_PEOPLE * 0.05);
      }
    });

    it('has Prop 64 convictions before and after 2016-11-09, by people under 21 and by people now over 50', () => {
      const dated = rows.filter((row) => isConviction(row) && isProp64(row) && row[COL.STP_ORI_CNTY_NAME] === COUNTY
        && isValidDate(row[COL.STP_EVENT_DATE]) && isValidDate(row[COL.PRI_DOB]));
      expect(dated.some((row) => row[COL.STP_EVENT_DATE] > '20161109')).toBe(true);
      expect(dated.some((row) => row[COL.STP_EVENT_DATE] < '20161109')).toBe(true);
      expect(dated.filter((row) => yearsBetween(row[COL.PRI_DOB], row[COL.STP_EVENT_DATE]) < 21).length).toBeGreaterThan(50);
      const overFifty = [...bySubject.values()].filter((personRows) =>
        isValidDate(personRows[0][COL.PRI_DOB]) && yearsBetween(personRows[0][COL.PRI_DOB], '20200701') > 50);
      expect(overFifty.length).toBeGreaterThan(SAMPLE_PEOPLE * 0.1);
    });

    it('writes malformed dates in STP_EVENT_DATE and PRI_DOB at about malformedDateRate', () => {
      const badEvents = rows.filter((row) => !isValidDate(row[COL.STP_EVENT_DATE]));
      const rate = badEvents.length / rows.length;
      expect(rate).toBeGreaterThan(0.0005);
      expect(rate).toBeLessThan(0.005);
      const values = badEvents.map((row) => row[COL.STP_EVENT_DATE]);
      expect(values.some((value) => /^\d{4}0000$/.test(value))).toBe(true); // e.g. 19790000
      expect(values.some((value) => /^\d{1,2}\/\d{1,2}\/\d{4}$/.test(value))).toBe(true); // e.g. 2/3/1980
      expect(values).toContain('');
      expect([...bySubject.values()].some((personRows) => !isValidDate(personRows[0][COL.PRI_DOB]))).toBe(true);
    });

    it('writes only valid dates when malformedDateRate is 0', () => {
      const clean = parseRows(generate({ county: COUNTY, people: 500, seed: 42, header: false, malformedDateRate: 0 }));
      const invalid = clean.filter((row) =>
        !isValidDate(row[COL.STP_EVENT_DATE]) || !isValidDate(row[COL.PRI_DOB]) || !isValidDate(row[COL.CYC_DATE]));
      expect(clean.length).toBeGreaterThan(1000);
      expect(invalid).toEqual([]);
    });
  });
});
