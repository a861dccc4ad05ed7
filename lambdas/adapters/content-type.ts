/**
 * The Content-Type of an object by its key's extension, so that a browser opens report.html and a query engine or
 * spreadsheet knows a CSV or JSON Lines file; other keys get S3's default (binary/octet-stream).
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
});

export function contentTypeOf(key: string): string | undefined {
  const dot = key.lastIndexOf('.');
  if (dot < 0 || dot < key.lastIndexOf('/')) return undefined;
  return CONTENT_TYPES[key.slice(dot).toLowerCase()];
}
