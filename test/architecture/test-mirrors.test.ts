/**
 * Test files mirror source paths: `lambdas/domain/X.ts` is tested in `test/domain/X.test.ts`, any other `P.ts` of the
 * source folders in `test/P.test.ts`, so that a file's tests are found without searching. A source file without a
 * mirrored test is listed below with why (only types or constants, or a thin entry point run end to end); a new
 * file with neither fails this test, and so does a listed one once it has a test or is gone (take it off the list).
 * bench/ is left out: the benchmark is measured by `npm run bench`, not tested.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, sourceFiles } from '../helpers/import-graph';

/** The folders whose files must have a mirrored test. */
const MIRRORED_FOLDERS = ['lambdas', 'lib', 'local', 'bin', 'tools'];

/** Source files allowed without a mirrored test, with why. */
const EXEMPT: Readonly<Record<string, string>> = {
  'bin/app.ts': 'the CDK app entry point (context to props); the stack it builds is tested in test/lib/clearance-stack.test.ts',
  'bin/commands/review-command.ts': 'the commander options of `clearance review`, run end to end by test/bin/commands/review.test.ts and checked against --help by test/bin/cli.test.ts',
  'bin/commands/sample.ts': "one constant: the sample run's size and seed",
  'bin/commands/synth-template.ts': 'thin: the real stack synthesized without bundling; every e2e suite and test/bin/commands/run-aws.test.ts run its template',
  'lambdas/domain/columns.ts': 'constants only: the DOJ and output column lists',
  'lambdas/domain/decision.ts': 'types and the determination labels only',
  'lambdas/domain/defaults.ts': 'constants only',
  'local/lambda-nested-worker.ts': 'the entry point of a thread a handler starts (13 lines), run by the in-thread socket count of test/local/lambda-pool.test.ts',
  'local/lambda-worker-protocol.ts': "types and constants only (the workers' file names, the socket counters' slots)",
  'local/lambda-worker-sockets.ts': 'runs inside worker threads only (a process-wide diagnostics channel); the socket cap and byte counts are tested through the pool in test/local/lambda-pool.test.ts',
  'local/lambda-worker.ts': 'the worker thread entry point of the Lambda pool, run by test/local/lambda-pool.test.ts and every e2e suite',
  'tools/lambda-bundles.ts': 'thin (esbuild options); test/lambdas/bundle.test.ts bundles every handler with it and runs an upload through the bundles',
};

/** The mirrored test path of a source file. */
function mirroredTestPath(source: string): string {
  const base = source.replace(/\.ts$/, '.test.ts');
  return base.startsWith('lambdas/domain/') ? `test/domain/${base.slice('lambdas/domain/'.length)}` : `test/${base}`;
}

interface MirrorProblems {
  /** Source files with neither a mirrored test nor an exemption. */
  untested: string[];
  /** Exemptions of files that now have a mirrored test. */
  exemptButTested: string[];
  /** Exemptions of files that no longer exist. */
  exemptButGone: string[];
}

function mirrorProblems(sources: readonly string[], hasTest: (testPath: string) => boolean, exempt: Readonly<Record<string, string>>): MirrorProblems {
  const known = new Set(sources);
  return {
    untested: sources.filter((source) => !hasTest(mirroredTestPath(source)) && !(source in exempt)),
    exemptButTested: Object.keys(exempt).filter((source) => known.has(source) && hasTest(mirroredTestPath(source))),
    exemptButGone: Object.keys(exempt).filter((source) => !known.has(source)),
  };
}

describe('test files mirror source paths', () => {
  it('maps a domain file under test/domain/ and any other file under test/', () => {
    expect(mirroredTestPath('lambdas/domain/pipeline/split.ts')).toBe('test/domain/pipeline/split.test.ts');
    expect(mirroredTestPath('lambdas/plan/handler.ts')).toBe('test/lambdas/plan/handler.test.ts');
    expect(mirroredTestPath('bin/commands/run.ts')).toBe('test/bin/commands/run.test.ts');
  });

  it('finds an untested file, an exemption of a tested file and an exemption of a gone file (the check can fail)', () => {
    const tests = new Set(['test/lib/a.test.ts', 'test/domain/b.test.ts']);
    const problems = mirrorProblems(['lib/a.ts', 'lambdas/domain/b.ts', 'local/c.ts', 'tools/d.ts'], (file) => tests.has(file), {
      'lambdas/domain/b.ts': 'types only',
      'tools/d.ts': 'entry point',
      'tools/gone.ts': 'entry point',
    });
    expect(problems).toEqual({ untested: ['local/c.ts'], exemptButTested: ['lambdas/domain/b.ts'], exemptButGone: ['tools/gone.ts'] });
  });

  it('of the project: every source file has a mirrored test or a listed reason, and every listed reason still applies', () => {
    const problems = mirrorProblems(sourceFiles(MIRRORED_FOLDERS), (file) => fs.existsSync(path.join(ROOT, file)), EXEMPT);
    expect(problems).toEqual({ untested: [], exemptButTested: [], exemptButGone: [] });
    for (const reason of Object.values(EXEMPT)) expect(reason.length).toBeGreaterThan(10);
  });
});
