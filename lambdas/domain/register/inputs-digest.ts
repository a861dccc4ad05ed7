/** Apart from record.ts (and its schemas), so that the lists' code loads no schema library in a merge worker. */
import { sha256Latin1Hex } from '../sha256';

/**
 * The inputs of a conviction's determination as a reviewer saw them: a digest of its review-list line (identity,
 * case, date, section, level, sentence, determination, reason, rule). A decision is carried forward only while it
 * stays the same.
 */
export function inputsDigest(reviewLine: string): string {
  return sha256Latin1Hex(reviewLine).slice(0, 16);
}
