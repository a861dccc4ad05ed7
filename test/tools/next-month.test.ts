/**
 * Next month's extract (tools/next-month.ts): each planted change is exactly what changed between the two months'
 * rows of its person, and everyone else's rows are as they were; generated rows read back field for field.
 */
import { COL, FIELD_COUNT } from '../../lambdas/domain/columns';
import { generateExtract, plantedChanges } from '../../tools/generator';
import { newPeopleCount, PLANTED_CHANGES, splitRow } from '../../tools/next-month';

const OPTIONS = { county: 'LOS ANGELES', people: 100, seed: 12, malformedDateRate: 0 };

/** Each person's rows (fields), in file order. */
function rowsByPerson(nextMonth: boolean): Map<string, string[][]> {
  const lines = [...generateExtract({ ...OPTIONS, header: false, nextMonth })].join('').split('\n').filter(Boolean);
  const people = new Map<string, string[][]>();
  for (const line of lines) {
    const fields = splitRow(`${line}\n`);
    const rows = people.get(fields[COL.SUBJECT_ID]);
    if (rows === undefined) people.set(fields[COL.SUBJECT_ID], [fields]);
    else rows.push(fields);
  }
  return people;
}

function dayAfter(yyyymmdd: string): string {
  const day = new Date(Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8)) + 1));
  return day.toISOString().slice(0, 10).replace(/-/g, '');
}

describe('next month', () => {
  const before = rowsByPerson(false);
  const after = rowsByPerson(true);
  const changes = plantedChanges(OPTIONS);
  const changed = new Map(changes.map((change) => [change.subjectId, change]));

  it('plants every kind of change, each person at most once, and adds the new people', () => {
    expect(new Set(changes.map((change) => change.change))).toEqual(new Set(PLANTED_CHANGES));
    expect(changed.size).toBe(changes.length);
    expect(changes.filter((change) => change.change === 'new person')).toHaveLength(newPeopleCount(OPTIONS.people));
  });

  it('changes exactly what each planted change says, and nothing of anyone else', () => {
    for (const [subjectId, rows] of before) {
      const change = changed.get(subjectId);
      const next = after.get(subjectId);
      const ofCount = (list: string[][]) => list.filter((row) => row[COL.CNT_ORDER] === change?.countOrder && row[COL.DISP_DESCR].startsWith('CONVICTED'));
      switch (change?.change) {
        case undefined:
          expect(next).toEqual(rows);
          break;
        case 'sealed':
          expect(next).toBeUndefined();
          break;
        case 'new conviction':
          expect(next!.slice(0, rows.length)).toEqual(rows);
          expect(next!.slice(rows.length)).toEqual([expect.arrayContaining([change.countOrder!, '20200115'])]);
          break;
        case 'corrected date':
          expect(ofCount(next!).map((row) => row[COL.STP_EVENT_DATE])).toEqual(ofCount(rows).map((row) => dayAfter(row[COL.STP_EVENT_DATE])));
          break;
        case 'felony to misdemeanor':
          expect(ofCount(rows).every((row) => row[COL.CONV_STAT_DESCR] === 'FELONY')).toBe(true);
          expect(ofCount(next!).every((row) => row[COL.CONV_STAT_DESCR] === 'MISDEMEANOR' && row[COL.OFFENSE_TOC] === 'M')).toBe(true);
          break;
        case 'misdemeanor to felony':
          expect(ofCount(next!).every((row) => row[COL.CONV_STAT_DESCR] === 'FELONY' && row[COL.OFFENSE_TOC] === 'F')).toBe(true);
          break;
        default:
          throw new Error(`${subjectId} of the first month planted as ${change?.change}`);
      }
      if (change?.change !== undefined && change.change !== 'sealed' && change.change !== 'new conviction') {
        expect(next!.length).toBe(rows.length);
        expect(next!.filter((row, i) => row.join() !== rows[i].join()).length).toBe(ofCount(rows).length);
      }
    }
    for (const subjectId of after.keys()) if (!before.has(subjectId)) expect(changed.get(subjectId)?.change).toBe('new person');
  });
});

describe('splitRow', () => {
  it('reads quoted fields with commas and doubled quotes, and refuses a row of another width', () => {
    const fields = Array.from({ length: FIELD_COUNT }, (_, i) => String(i));
    fields[3] = 'DOE,JOHN "JJ"';
    const line = `${fields.map((field, i) => (i === 3 ? '"DOE,JOHN ""JJ"""' : field)).join(',')}\n`;
    expect(splitRow(line)).toEqual(fields);
    expect(() => splitRow('a,b\n')).toThrow(`next month: a generated row has 2 fields, not ${FIELD_COUNT}`);
  });
});

describe('newPeopleCount', () => {
  it('adds about 3% new people, at least one to a month that has any', () => {
    expect([0, 1, 10, 400, 1000].map(newPeopleCount)).toEqual([0, 1, 1, 12, 30]);
  });
});
