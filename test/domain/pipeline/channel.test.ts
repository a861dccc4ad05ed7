/**
 * The bounded chunk channel and what writes through it (lambdas/domain/pipeline/channel.ts): chunks arrive in order
 * with at most `capacity` waiting, ~pieceSize pieces, and a failure on either side fails both. The consumer-failure
 * regression is test/regressions/channel-consumer-failure.test.ts.
 */
import * as fc from 'fast-check';
import { ChunkChannel, PieceWriter, writeText } from '../../../lambdas/domain/pipeline/channel';
import { MemoryObjectStore } from '../../helpers/memory-store';

async function drain(channel: AsyncIterable<Buffer>): Promise<string[]> {
  const seen: string[] = [];
  for await (const chunk of channel) seen.push(chunk.toString('latin1'));
  return seen;
}

describe('ChunkChannel', () => {
  it('delivers every chunk in order, the producer never more than `capacity` ahead', async () => {
    const channel = new ChunkChannel(2);
    let pushed = 0;
    const producing = (async () => {
      for (let i = 0; i < 10; i++) {
        await channel.push(Buffer.from(String(i)));
        pushed++;
      }
      channel.close();
    })();
    const seen: string[] = [];
    for await (const chunk of channel) {
      seen.push(chunk.toString());
      await new Promise((resolve) => setImmediate(resolve));
      expect(pushed - seen.length).toBeLessThanOrEqual(2);
    }
    await producing;
    expect(seen).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it("fails the consumer with the producer's error, and refuses a push after close", async () => {
    const channel = new ChunkChannel();
    await channel.push(Buffer.from('a'));
    channel.close(new Error('the merge failed'));
    await expect(drain(channel)).rejects.toThrow('the merge failed');
    await expect(channel.push(Buffer.from('b'))).rejects.toThrow('the merge failed');
    const closed = new ChunkChannel();
    closed.close();
    await expect(closed.push(Buffer.from('x'))).rejects.toThrow('push on a closed channel');
  });
});

describe('PieceWriter', () => {
  it('joins writes into pieces of at least pieceSize bytes, the rest on flush, bytes as given', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 12 }).map((text) => text.replace(/[^\x20-\x7e]/g, '')), { maxLength: 30 }), fc.integer({ min: 1, max: 40 }), async (texts, pieceSize) => {
        const channel = new ChunkChannel(1000);
        const writer = new PieceWriter(channel, pieceSize);
        for (const [i, text] of texts.entries()) await writer.write(i % 2 === 0 ? text : Buffer.from(text, 'latin1'));
        await writer.flush();
        channel.close();
        const pieces = await drain(channel);
        expect(pieces.join('')).toBe(texts.join(''));
        for (const piece of pieces.slice(0, -1)) expect(piece.length).toBeGreaterThanOrEqual(pieceSize);
      }),
      { numRuns: 50 },
    );
  });
});

describe('writeText', () => {
  it('writes what the producer writes, through the wrapper', async () => {
    const store = new MemoryObjectStore();
    let bytes = 0;
    const counting = async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        bytes += chunk.length;
        yield chunk;
      }
    };
    await writeText(store, 'out.csv', counting, async (writer) => {
      for (let i = 0; i < 3; i++) await writer.write(`line ${i}\n`);
    });
    expect(store.text('out.csv')).toBe('line 0\nline 1\nline 2\n');
    expect(bytes).toBe(21);
  });

  it("fails with the producer's error once the write has ended, and with the write's error", async () => {
    const store = new MemoryObjectStore();
    await expect(writeText(store, 'a', (chunks) => chunks, async (writer) => {
      await writer.write('partial');
      throw new Error('no more rows');
    })).rejects.toThrow('no more rows');
    expect(await store.exists('a')).toBe(false);
    const failing = async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        yield chunk;
        throw new Error('upload failed');
      }
    };
    await expect(writeText(store, 'b', failing, async (writer) => {
      for (let i = 0; i < 10; i++) await writer.write(Buffer.alloc(1 << 20));
    })).rejects.toThrow();
  });
});
