/**
 * The person key: FNV-1a over the UTF-16 code units of SUBJECT_ID, unsigned 32 bits. It routes a person's rows to a
 * partition (pipeline/split.ts `partitionOf`), a register's records to the partition of the same person
 * (register/record.ts), and, as the first 8 hex digits of a conviction id (review/conviction-id.ts), a reviewer's
 * decision to the partition of its person without a lookup.
 */
export function personKey(subjectId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < subjectId.length; i++) {
    hash ^= subjectId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
