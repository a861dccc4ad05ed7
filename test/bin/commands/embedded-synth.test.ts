/**
 * The embedded stack's Lambda concurrency (bin/commands/embedded-synth.ts): one worker thread per CPU unless
 * --workers says otherwise. The synthesized template itself runs in every `clearance run` of test/e2e.
 */
import { availableParallelism } from 'node:os';
import { embeddedWorkers } from '../../../bin/commands/embedded-synth';

describe('the embedded stack', () => {
  it('runs --workers Lambda invocations at once, else one per CPU', () => {
    expect(embeddedWorkers({ workers: 3 })).toBe(3);
    expect(embeddedWorkers({})).toBe(availableParallelism());
  });
});
