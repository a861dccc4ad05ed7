/**
 * The framing of the work area's intermediate files. Records can hold line breaks inside quoted fields, so
 * intermediates are length-prefixed instead of line-based: a header line, then exactly `length` characters,
 * then LF. Text is latin-1 (one char per byte), so lengths are byte counts and any input byte survives.
 *
 *   D<position>,<length>\n<raw record>\n                       a data row routed to a partition (split output)
 *   R<length>\n<SUBJECT_ID>\n                                   a rejected row of that person (split output)
 *   O<position>,<flags>,<fullLength>,<condensedLength>\n<full>\n<condensed>\n   a classified row (classify output)
 */

export const FRAME_DATA = 68; // 'D'
export const FRAME_REJECTED = 82; // 'R'
export const FRAME_OUTPUT = 79; // 'O'

/** Output flag: the row is an evaluated conviction (it goes to Prop64_Results.csv). */
export const FLAG_EVALUATED = 1;

export function dataFrame(position: number, raw: string): string {
  return `D${position},${raw.length}\n${raw}\n`;
}

export function rejectedFrame(subjectId: string): string {
  return `R${subjectId.length}\n${subjectId}\n`;
}

export function outputFrame(position: number, flags: number, full: string, condensed: string): string {
  return `O${position},${flags},${full.length},${condensed.length}\n${full}\n${condensed}\n`;
}

export interface Frame {
  kind: number;
  position: number;
  flags: number;
  /** Data: the raw record. Rejected: the SUBJECT_ID. Output: the All_Results line. */
  text: string;
  /** Output: the All_Results_Condensed line. */
  second: string;
}

export class FrameFormatError extends Error {
  override readonly name = 'FrameFormatError';
}

/**
 * Incremental frame parser: push latin-1 chunks, take frames. Holds at most one partial frame plus a chunk.
 */
export class FrameReader {
  private buffer = '';
  private cursor = 0;

  push(chunk: string): void {
    this.buffer = this.cursor < this.buffer.length ? this.buffer.slice(this.cursor) + chunk : chunk;
    this.cursor = 0;
  }

  /** The next complete frame, or undefined when more input is needed. The returned object is reused. */
  next(frame: Frame): Frame | undefined {
    const buffer = this.buffer;
    const start = this.cursor;
    if (start >= buffer.length) return undefined;
    const headerEnd = buffer.indexOf('\n', start);
    if (headerEnd < 0) return undefined;
    const kind = buffer.charCodeAt(start);
    const numbers = buffer.slice(start + 1, headerEnd).split(',');
    if (kind === FRAME_DATA) {
      const length = Number(numbers[1]);
      const end = headerEnd + 1 + length;
      if (end + 1 > buffer.length) return undefined;
      frame.kind = kind;
      frame.position = Number(numbers[0]);
      frame.flags = 0;
      frame.text = buffer.slice(headerEnd + 1, end);
      frame.second = '';
      this.cursor = end + 1;
      return frame;
    }
    if (kind === FRAME_REJECTED) {
      const length = Number(numbers[0]);
      const end = headerEnd + 1 + length;
      if (end + 1 > buffer.length) return undefined;
      frame.kind = kind;
      frame.position = -1;
      frame.flags = 0;
      frame.text = buffer.slice(headerEnd + 1, end);
      frame.second = '';
      this.cursor = end + 1;
      return frame;
    }
    if (kind === FRAME_OUTPUT) {
      const fullLength = Number(numbers[2]);
      const condensedLength = Number(numbers[3]);
      const fullEnd = headerEnd + 1 + fullLength;
      const condensedEnd = fullEnd + 1 + condensedLength;
      if (condensedEnd + 1 > buffer.length) return undefined;
      frame.kind = kind;
      frame.position = Number(numbers[0]);
      frame.flags = Number(numbers[1]);
      frame.text = buffer.slice(headerEnd + 1, fullEnd);
      frame.second = buffer.slice(fullEnd + 1, condensedEnd);
      this.cursor = condensedEnd + 1;
      return frame;
    }
    throw new FrameFormatError(`unknown frame kind ${JSON.stringify(buffer.charAt(start))} at ${start}`);
  }

  /** Throws when input ended inside a frame (a truncated intermediate file). */
  end(): void {
    if (this.cursor < this.buffer.length) throw new FrameFormatError('intermediate file ends inside a frame');
  }
}

export function newFrame(): Frame {
  return { kind: 0, position: 0, flags: 0, text: '', second: '' };
}

/** Every frame of a stream of latin-1 chunks. */
export async function* readFrames(chunks: AsyncIterable<Buffer>): AsyncGenerator<Frame> {
  const reader = new FrameReader();
  for await (const chunk of chunks) {
    reader.push(chunk.toString('latin1'));
    for (;;) {
      const frame = reader.next(newFrame());
      if (frame === undefined) break;
      yield frame;
    }
  }
  reader.end();
}
