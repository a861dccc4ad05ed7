import { contentTypeOf } from '../../../lambdas/adapters/content-type';

test('the Content-Type of an object by its extension, none for other keys', () => {
  expect(contentTypeOf('reports/LOS ANGELES/r/report.html')).toBe('text/html; charset=utf-8');
  expect(contentTypeOf('reports/LOS ANGELES/r/summary.json')).toBe('application/json');
  expect(contentTypeOf('results/X/r/All_Results.CSV')).toBe('text/csv; charset=utf-8');
  expect(contentTypeOf('analytics/runs/county=yolo/run_date=2025-01-01/r.jsonl')).toBe('application/x-ndjson');
  expect(contentTypeOf('runs/r/partitions/0.bin')).toBeUndefined();
  // A dot in a folder name is not an extension.
  expect(contentTypeOf('incoming/a.csv/extract')).toBeUndefined();
});
