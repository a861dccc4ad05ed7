/** Test helper: runs the DOJ tokenizer on text pushed in pieces and records a copy of everything its sink sees. */
import { DojTokenizer, type RejectInfo, type TokenizeSummary, type TokenizerOptions } from '../../lambdas/domain/csv/tokenizer';

export interface RecordEvent {
  kind: 'record';
  fields: string[];
  offset: number;
  end: number;
  line: number;
  lineCount: number;
  fieldCount: number;
  hasCarriageReturn: boolean;
  raw: string;
}
export interface RejectEvent extends RejectInfo {
  kind: 'reject';
}
export interface BlankEvent {
  kind: 'blank';
  line: number;
  offset: number;
  end: number;
}
export type TokenizerEvent = RecordEvent | RejectEvent | BlankEvent;

/** Tokenize `input` pushed in pieces of the given sizes (cycled), copying what the sink sees. */
export function tokenize(
  input: string,
  options: TokenizerOptions = {},
  pieceSizes: readonly number[] = [input.length || 1],
): { events: TokenizerEvent[]; summary: TokenizeSummary } {
  const events: TokenizerEvent[] = [];
  const tokenizer = new DojTokenizer(
    {
      record(fields, info) {
        events.push({
          kind: 'record',
          fields: [...fields],
          offset: info.offset,
          end: info.end,
          line: info.line,
          lineCount: info.lineCount,
          fieldCount: info.fieldCount,
          hasCarriageReturn: info.hasCarriageReturn,
          raw: info.rawText(),
        });
      },
      reject: (reject) => events.push({ kind: 'reject', ...reject }),
      blankLine: (line, offset, end) => events.push({ kind: 'blank', line, offset, end }),
    },
    options,
  );
  let at = 0;
  for (let piece = 0; at < input.length; piece++) {
    const size = pieceSizes[piece % pieceSizes.length];
    tokenizer.push(input.slice(at, at + size));
    at += size;
  }
  return { events, summary: tokenizer.end() };
}
