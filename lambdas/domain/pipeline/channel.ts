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

/** Collects text into ~1 MiB latin-1 chunks for a channel. */
export class PieceWriter {
  private parts: string[] = [];
  private length = 0;

  constructor(private readonly channel: ChunkChannel, private readonly pieceSize = 1 << 20) {}

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.length += text.length;
    if (this.length >= this.pieceSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const piece = Buffer.from(this.parts.join(''), 'latin1');
    this.parts = [];
    this.length = 0;
    await this.channel.push(piece);
  }
}
