import type { ObjectStore } from './object-store';

/**
 * A bounded async queue of chunks: one producer pushes, one consumer (an ObjectStore write) iterates.
 * Lets one merge loop feed several output files at once with memory bounded by `capacity` chunks each.
 */
export class ChunkChannel implements AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = [];
  private closed = false;
  private failure: unknown;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;

  constructor(private readonly capacity = 4) {}

  async push(chunk: Buffer): Promise<void> {
    while (this.queue.length >= this.capacity && !this.closed) {
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
    }
    if (this.closed) throw this.failure ?? new Error('push on a closed channel');
    this.queue.push(chunk);
    this.wake();
  }

  close(failure?: unknown): void {
    this.closed = true;
    this.failure = failure;
    this.wake();
    this.wakeProducer?.();
  }

  private wake(): void {
    const wake = this.wakeConsumer;
    this.wakeConsumer = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        if (this.queue.length > 0) {
          yield this.queue.shift()!;
          const wake = this.wakeProducer;
          this.wakeProducer = undefined;
          wake?.();
          continue;
        }
        if (this.closed) {
          if (this.failure !== undefined) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
      }
    } finally {
      // The consumer stopped (done, or its write failed): a producer waiting in push() must not hang.
      if (!this.closed) {
        this.closed = true;
        this.failure ??= new Error('the channel\'s consumer stopped reading');
      }
      this.queue.length = 0;
      this.wakeProducer?.();
    }
  }
}

/**
 * Collects output into ~1 MiB chunks for a channel: byte views (copied once, when a chunk is made) or latin-1 text.
 */
export class PieceWriter {
  private parts: Buffer[] = [];
  private length = 0;

  constructor(private readonly channel: ChunkChannel, private readonly pieceSize = 1 << 20) {}

  async write(data: Buffer | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.parts.push(bytes);
    this.length += bytes.length;
    if (this.length >= this.pieceSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const piece = Buffer.concat(this.parts, this.length);
    this.parts = [];
    this.length = 0;
    await this.channel.push(piece);
  }
}

/**
 * Writes an object from text pieces produced by `produce`, through `wrap` (e.g. to count its bytes); a failure of
 * either side fails both, and the write is awaited before the error is thrown.
 */
export async function writeText(
  store: ObjectStore,
  key: string,
  wrap: (chunks: AsyncIterable<Buffer>) => AsyncIterable<Buffer>,
  produce: (writer: PieceWriter) => Promise<void>,
): Promise<void> {
  const channel = new ChunkChannel();
  const writing = store.write(key, wrap(channel));
  try {
    const writer = new PieceWriter(channel);
    await produce(writer);
    await writer.flush();
    channel.close();
  } catch (error) {
    channel.close(error);
    await writing.catch(() => undefined);
    throw error;
  }
  await writing;
}
