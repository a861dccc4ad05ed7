/**
 * The synth's worker thread (compiled, as synth-worker.ts starts it): it posts the template, or the synth's error as
 * plain data (name, message, stack), which a structured clone of the Error itself would not keep whole.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SynthWorkerData, SynthWorkerMessage } from '../../../bin/commands/synth-worker';

const THREAD = path.join(__dirname, '..', '..', '..', 'dist', 'bin', 'commands', 'synth-worker-thread.js');

async function runThread(workerData: SynthWorkerData): Promise<SynthWorkerMessage> {
  const worker = new Worker(THREAD, { workerData });
  try {
    return await new Promise<SynthWorkerMessage>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

test('posts the error of a synth that fails as its name, message and stack', async () => {
  const message = await runThread({ props: { workflow: { targetRangeBytes: 7 } } });
  expect('error' in message && message.error).toEqual({
    name: 'Error',
    message: 'targetRangeBytes must be an integer of at least 1048576 (1 MiB), got 7',
    stack: expect.stringContaining('workflowSettings'),
  });
});
