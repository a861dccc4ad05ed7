/**
 * Joining objects into one (Publish joining the output slices' parts): the plan of a multipart upload that keeps
 * S3's part rules while passing as few bytes as possible through the joiner, and the join on any ObjectStore.
 */
import { ObjectStore } from './object-store';

/** One part of a joined object: a whole source object, or a byte range of one. */
export interface JoinPiece {
  key: string;
  start: number;
  end: number;
}

/** A part of the joined object: copied on the server (UploadPartCopy), or uploaded from the pieces' bytes. */
export type JoinPart = { copy: JoinPiece } | { bytes: JoinPiece[] };

/** S3's multipart rules. */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;
export const S3_MAX_PART_BYTES = 5 * 1024 ** 3;
export const S3_MAX_PARTS = 10_000;

/**
 * The parts of a multipart upload that joins `sources` in order, every part but the last at least `minPart` bytes:
 * a source of at least `minPart` is copied on the server (in ranges of at most `maxPart`); smaller ones are gathered
 * into an uploaded part, which takes from the next large source just the bytes it lacks (its rest is copied). The
 * bytes that pass through the joiner are therefore only those of small sources and under `minPart` per large one.
 */
export function planJoin(sources: ReadonlyArray<{ key: string; size: number }>, minPart = S3_MIN_PART_BYTES, maxPart = S3_MAX_PART_BYTES): JoinPart[] {
  const parts: JoinPart[] = [];
  let pending: JoinPiece[] = [];
  let pendingBytes = 0;
  const flush = () => {
    parts.push({ bytes: pending });
    pending = [];
    pendingBytes = 0;
  };
  for (const { key, size } of sources) {
    if (size === 0) continue;
    let at = 0;
    if (pendingBytes > 0) {
      const fill = minPart - pendingBytes;
      if (size - fill < minPart) {
        pending.push({ key, start: 0, end: size });
        pendingBytes += size;
        if (pendingBytes >= minPart) flush();
        continue;
      }
      pending.push({ key, start: 0, end: fill });
      flush();
      at = fill;
    }
    const rest = size - at;
    if (rest >= minPart) {
      const count = Math.ceil(rest / maxPart);
      const step = Math.ceil(rest / count);
      for (let start = at; start < size; start += step) parts.push({ copy: { key, start, end: Math.min(size, start + step) } });
    } else {
      pending = [{ key, start: at, end: size }];
      pendingBytes = rest;
    }
  }
  if (pendingBytes > 0) flush();
  if (parts.length > S3_MAX_PARTS) throw new RangeError(`a join of ${sources.length} objects needs ${parts.length} parts, above S3's ${S3_MAX_PARTS}: use larger slices (TARGET_SLICE_BYTES)`);
  return parts;
}

/** Joins objects in order into `toKey`: the store's server-side join where it has one, else one streamed write. */
export async function joinObjects(store: ObjectStore, sources: ReadonlyArray<{ key: string; size: number }>, toKey: string): Promise<void> {
  if (store.join !== undefined) return store.join(sources, toKey);
  await store.write(toKey, concatenated(store, sources));
}

async function* concatenated(store: ObjectStore, sources: ReadonlyArray<{ key: string; size: number }>): AsyncIterable<Buffer> {
  for (const { key, size } of sources) if (size > 0) yield* store.read(key);
}
