/**
 * A thread started by a handler in a Lambda worker (lambda-worker.ts): counts its sockets with its execution
 * environment's, then runs the handler's module with the handler's own workerData.
 */
import workerThreads from 'node:worker_threads';
import { countSockets } from './lambda-worker-sockets';
import type { NestedWorkerData } from './lambda-worker-protocol';

const boot = workerThreads.workerData as NestedWorkerData;
countSockets(boot.sockets, boot.maxOpenSockets);
// The module reads workerData from node:worker_threads as if it had been started directly.
(workerThreads as { workerData: unknown }).workerData = boot.workerData;
require(boot.entry);
