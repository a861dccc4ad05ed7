/**
 * The county register's records (lambdas/domain/register/record.ts): the partition of a record's person, a record
 * read back as written, and the manifest and part files a run compares with.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { partitionOf } from '../../../lambdas/domain/pipeline/split';
import {
  inputsDigest, parseRecord, personKey, registerManifestProblem, REGISTER_FORMAT, registerPartitionOf, registerPartKey, serializeRecord,
} from '../../../lambdas/domain/register/record';
import { fieldsOf } from '../../helpers/arbitraries';
import { REGISTER_COUNTY, registerOf } from '../../helpers/register-records';

test('property: a register record lies in the partition of its person (the routing of rows), and reads back as written', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 1000 }), (subjectId, partitions) => {
      expect(registerPartitionOf(personKey(subjectId), partitions)).toBe(partitionOf(subjectId, partitions));
    }),
  );
  const rows = fieldsOf([{ subject: 1, stepType: 'COURT', disposition: 'CONVICTED', offense: '11357 HS-POSSESS MARIJUANA', comment: '', date: '20100304', county: REGISTER_COUNTY, status: 'MISDEMEANOR', toc: 'M', countOrder: '101001001000', ofn: 'BA1' }], ['19700102', '19700102', '', '', '']);
  const [one] = registerOf(rows, '2020-07-01');
  expect(parseRecord(serializeRecord(one), 'here')).toEqual(one);
  expect(() => parseRecord('{"id":"cv-1"}', 'part 3 line 2')).toThrow(/part 3 line 2: field pk/);
});

test('a register manifest of another version is named as such', () => {
  expect(registerManifestProblem({ format: 'clearance-register/v0' })).toMatch(/another version \(format "clearance-register\/v0", this version reads "clearance-register\/v1"\)/);
  expect(registerManifestProblem({ format: REGISTER_FORMAT })).toMatch(/field runId/);
});

test('a part file per partition, zero-padded; a line that is not JSON is named by its place', () => {
  expect(registerPartKey('results/SUTTER/register/r1/', 7)).toBe('results/SUTTER/register/r1/part-000007.jsonl');
  expect(() => parseRecord('{"id":', 'part 1 line 9')).toThrow('part 1 line 9: not a JSON record');
});

test('a manifest that is no object, or complete, is named or accepted', () => {
  expect(registerManifestProblem(null)).toBe('its manifest is not a JSON object');
  const manifest = { format: REGISTER_FORMAT, runId: 'r1', county: 'SUTTER', computeAt: '2024-01-01', policyName: 'reference-default', policySha256: 'ab', partitionCount: 3, convictions: 10, writtenAt: '2024-01-01T00:00:00Z' };
  expect(registerManifestProblem(manifest)).toBeNull();
  expect(registerManifestProblem({ ...manifest, partitionCount: 0 })).toMatch(/^its manifest's field partitionCount: /);
});

test("a decision's inputs digest: the first 16 hex digits of the line's SHA-256, changing with any character of the review line", () => {
  const line = 'cv-0001,DOE,JOHN,01/02/1970,BA1,03/04/2010,11357 HS,M,,Eligible for Dismissal';
  expect(inputsDigest(line)).toMatch(/^[0-9a-f]{16}$/);
  expect(inputsDigest(line)).toBe(createHash('sha256').update(line, 'latin1').digest('hex').slice(0, 16));
  expect(inputsDigest(line.replace('11357', '11358'))).not.toBe(inputsDigest(line));
});
