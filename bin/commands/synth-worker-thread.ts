/**
 * The synth's worker thread (synth-worker.ts, synthTemplateInWorker): synthesizes the stack's template for the props
 * in its workerData and posts it back, or the error's name, message and stack. Runs compiled from dist/bin/commands/;
 * only its types are shared with synth-worker.ts, so that no other thread that loads the caller runs a synth.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SynthWorkerData, SynthWorkerMessage } from './synth-worker';

/** The error as plain data: an Error does not cross threads with its name. */
function serialised(error: unknown): { name: string; message: string; stack: string } {
  const { name, message, stack } = (error ?? {}) as Partial<Error>;
  return { name: typeof name === 'string' && name !== '' ? name : 'Error', message: String(message), stack: String(stack) };
}

async function synthesizeAndPost(): Promise<void> {
  const port = parentPort!;
  const { props } = workerData as SynthWorkerData;
  let message: SynthWorkerMessage;
  try {
    // Loaded here, not at the top: a CDK that fails to load is reported like a failed synth.
    const { synthTemplate } = await import('./synth-template');
    message = { template: synthTemplate(props) };
  } catch (error) {
    message = { error: serialised(error) };
  }
  port.postMessage(message);
}

if (parentPort) void synthesizeAndPost();
