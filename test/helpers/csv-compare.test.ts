import { compareCsv, describeDifferences, expectSameCsv, splitCsvRecords } from './csv-compare';

describe('splitCsvRecords', () => {
  test('splits at LFs outside quotes only', () => {
    expect(splitCsvRecords('a,b\n"x\ny",z\n"q""\n",1\nlast')).toEqual(['a,b', '"x\ny",z', '"q""\n",1', 'last']);
    expect(splitCsvRecords('')).toEqual([]);
    expect(splitCsvRecords('a\r\nb\r\n')).toEqual(['a\r', 'b\r']);
  });
});

describe('compareCsv', () => {
  const header = 'ID,Case Number,Reason\n';
  test('lists each differing cell with its column name', () => {
    const differences = compareCsv(`${header}1,A; B,x\n2,C,y\n`, `${header}1,A; B,x\n2,C,z\n3,D,w\n`);
    expect(differences).toEqual([
      { row: 2, column: 2, columnName: 'Reason', expected: 'y', actual: 'z' },
      { row: 3, column: 0, columnName: 'ID', expected: undefined, actual: '3' },
      { row: 3, column: 1, columnName: 'Case Number', expected: undefined, actual: 'D' },
      { row: 3, column: 2, columnName: 'Reason', expected: undefined, actual: 'w' },
    ]);
    expect(describeDifferences(differences, 1)).toBe('row 2, Reason: expected "y", got "z"\n... and 3 more');
  });

  test('header cells count; quoting differences do not', () => {
    expect(compareCsv('a,b\n"1",2\n', 'a,b\n1,"2"\n')).toEqual([]);
    expect(compareCsv('a,b\n', 'a,c\n')).toEqual([{ row: 0, column: 1, columnName: 'b', expected: 'b', actual: 'c' }]);
  });

  test('multiset columns, ignored columns and rows matched by key', () => {
    const expected = `${header}1,A; B,x\n2,C,y\n`;
    const actual = `${header}2,C,changed\n1,B; A,x\n`;
    expect(compareCsv(expected, actual, { keyColumn: 'ID', multisetColumns: ['Case Number'], ignoreColumns: ['Reason'] })).toEqual([]);
    expect(compareCsv(expected, actual, { keyColumn: 'ID', multisetColumns: ['Case Number'] })).toEqual([
      { row: 2, key: '2', column: 2, columnName: 'Reason', expected: 'y', actual: 'changed' },
    ]);
    expect(() => expectSameCsv(expected, actual, { keyColumn: 'ID' })).toThrow(/2 cell\(s\) differ/);
    expect(() => compareCsv(expected, actual, { ignoreColumns: ['Nope'] })).toThrow(/no column "Nope"/);
  });
});
