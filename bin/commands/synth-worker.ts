/**
 * synthTemplate() on a worker thread: the CDK (aws-cdk-lib, ~20 MB of heap once loaded) never enters the calling
 * thread, and the synth (~0.8 s with loading) overlaps whatever that thread does meanwhile, e.g. starting the embedded
 * stack's stand-ins. Props must be plain data (structured-cloneable). Falls back to a synth in this thread when the
 * compiled module is not there (running from TypeScript sources).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ClearanceStackProps } from '../../lib/clearance-stack';

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
try {
  const { synthTemplate } = require(workerData.modulePath);
  parentPort.postMessage({ template: synthTemplate(workerData.props) });
} catch (error) {
  parentPort.postMessage({ error: { name: error && error.name, message: String(error && error.message), stack: String(error && error.stack) } });
}
`;

export async function synthTemplateInWorker(props: ClearanceStackProps = {}): Promise<Record<string, unknown>> {
  const modulePath = path.join(__dirname, 'synth-template.js');
  if (!existsSync(modulePath)) {
    const { synthTemplate } = await import('./synth-template');
    return synthTemplate(props);
  }
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { modulePath, props } });
  try {
    return await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', (message: { template?: Record<string, unknown>; error?: { name: string; message: string; stack: string } }) => {
        if (message.template) return resolve(message.template);
        const error = new Error(message.error?.message ?? 'the synth worker failed');
        error.name = message.error?.name ?? 'Error';
        error.stack = message.error?.stack ?? error.stack;
        reject(error);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the synth worker exited (${code}) without a template`)));
    });
  } finally {
    await worker.terminate();
  }
}
