/** Regression: a producer blocked in push() hung forever when the consumer (an object-store write) failed. */
import { ChunkChannel } from '../../lambdas/domain/pipeline/channel';

test('push rejects once the consuming write has failed', async () => {
  const channel = new ChunkChannel(1);
  const consuming = (async () => {
    for await (const chunk of channel) {
      void chunk;
      throw new Error('upload failed');
    }
  })();
  await channel.push(Buffer.from('a'));
  await expect(consuming).rejects.toThrow('upload failed');
  await expect(channel.push(Buffer.from('b'))).rejects.toThrow();
  await expect(Promise.race([channel.push(Buffer.from('c')), new Promise((_, reject) => setTimeout(() => reject(new Error('hung')), 1000))])).rejects.not.toThrow('hung');
});
