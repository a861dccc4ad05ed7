/** One tokenize pass over a file, boundaries + SUBJECT_ID only: the floor any classification run sits on. */
import { createReadStream } from 'node:fs';
import { COL } from '../lambdas/domain/columns';
import { tokenizeChunks } from '../lambdas/domain/csv/tokenizer';

async function main(file: string): Promise<void> {
  let rows = 0;
  const started = process.hrtime.bigint();
  await tokenizeChunks(
    createReadStream(file, { highWaterMark: 1 << 20 }),
    { record: () => void rows++, reject: () => undefined, blankLine: () => undefined },
    { wantedFields: [COL.SUBJECT_ID], lenientFirstRecord: true },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${JSON.stringify({ rows, seconds })}\n`);
}

void main(process.argv[2]);
