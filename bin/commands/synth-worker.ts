/**
 * synthTemplate() on a worker thread: the CDK (aws-cdk-lib, ~20 MB of heap once loaded) never enters the calling
 * thread, and the synth (~0.8 s with loading) overlaps whatever that thread does meanwhile, e.g. starting the embedded
 * stack's stand-ins. Props must be plain data (structured-cloneable). Falls back to a synth in this thread when the
 * compiled module is not there (running from TypeScript sources).
 *
 * The compiled path keeps each template it synthesizes in a cache file named by a hash of everything the template
 * is made of: the compiled constructs (dist/lib), this synth's own module, the CDK's and constructs' package
 * versions, the props and CDK_CONTEXT_JSON. A later run of the same code and props reads it instead of loading the
 * CDK and synthesizing again (~0.6 s of a core for each `clearance run`); any change to those makes a new name.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ClearanceStackProps } from '../../lib/clearance-stack';

/** Where templates are cached by default: the project's node_modules/.cache (gone with the next `npm ci`). */
export const DEFAULT_TEMPLATE_CACHE = path.resolve(__dirname, '..', '..', '..', 'node_modules', '.cache', 'record-clearance');

/** The cache file name of a template: a hash of the compiled constructs in `libDir` and everything else it depends on. */
export function templateCacheName(libDir: string, synthModule: string, props: ClearanceStackProps): string {
  const hash = createHash('sha256');
  const files = (readdirSync(libDir, { recursive: true }) as string[]).filter((file) => file.endsWith('.js')).sort();
  for (const file of files) hash.update(file).update('\0').update(readFileSync(path.join(libDir, file)));
  hash.update(readFileSync(synthModule));
  for (const pkg of ['aws-cdk-lib', 'constructs']) hash.update(readFileSync(require.resolve(`${pkg}/package.json`)));
  hash.update(JSON.stringify(props)).update('\0').update(process.env.CDK_CONTEXT_JSON ?? '');
  return `template-${hash.digest('hex').slice(0, 32)}.json`;
}

/** The compiled file of the synth's thread (synth-worker-thread.ts), next to this module's. */
const SYNTH_WORKER_THREAD_FILE = 'synth-worker-thread.js';

/** The synth thread's workerData: the props of the stack to synthesize (structured-cloneable). */
export interface SynthWorkerData {
  readonly props: ClearanceStackProps;
}

/** What the synth thread posts back: the template, or why there is none. */
export type SynthWorkerMessage =
  | { readonly template: Record<string, unknown> }
  | { readonly error: { readonly name: string; readonly message: string; readonly stack: string } };

export async function synthTemplateInWorker(props: ClearanceStackProps = {}, options: { cacheDir?: string } = {}): Promise<Record<string, unknown>> {
  const modulePath = path.join(__dirname, 'synth-template.js');
  if (!existsSync(modulePath) || !existsSync(path.join(__dirname, SYNTH_WORKER_THREAD_FILE))) {
    const { synthTemplate } = await import('./synth-template');
    return synthTemplate(props);
  }
  const cacheDir = options.cacheDir ?? DEFAULT_TEMPLATE_CACHE;
  const cacheFile = path.join(cacheDir, templateCacheName(path.resolve(__dirname, '..', '..', 'lib'), modulePath, props));
  const cached = await fs.readFile(cacheFile, 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>, () => undefined);
  if (cached !== undefined) return cached;
  const template = await synthInWorker(props);
  // Written whole or not at all (a temporary file renamed); a cache that cannot be written is only a slower next run.
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  await fs
    .mkdir(cacheDir, { recursive: true })
    .then(() => fs.writeFile(temporary, JSON.stringify(template)))
    .then(() => fs.rename(temporary, cacheFile))
    .catch(() => fs.rm(temporary, { force: true }));
  return template;
}

async function synthInWorker(props: ClearanceStackProps): Promise<Record<string, unknown>> {
  const workerData: SynthWorkerData = { props };
  const worker = new Worker(path.join(__dirname, SYNTH_WORKER_THREAD_FILE), { workerData });
  try {
    return await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', (message: SynthWorkerMessage) => {
        if ('template' in message) return resolve(message.template);
        const error = new Error(message.error.message);
        error.name = message.error.name;
        error.stack = message.error.stack;
        reject(error);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the synth worker exited (${code}) without a template`)));
    });
  } finally {
    await worker.terminate();
  }
}
