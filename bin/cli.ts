/**
 * `clearance`: the command line. Commands: classify (local files, in-process), generate (fabricated extracts).
 * Errors end the process with one clear line on stderr and a non-zero exit code:
 * 2 for a bad request (arguments, policy, input), 1 for a run that failed (too many rejects, unknown county).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import { SAMPLE } from './commands/sample';
import { registerReviewCommand } from './commands/review';
import type { ClassifyOptions } from './commands/classify';
import type { RunOptions } from './commands/run';
import type { StatusOptions } from './commands/status';
import { generateExtract } from '../lambdas/domain/generator';

// Commands are loaded when run: `run` and `status` load the AWS SDK and the embedded stack (~0.25 s each),
// which `classify` and `generate` do not need.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a whole number >= 1`);
  return n;
}

function ratio(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a number between 0 and 1`);
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a whole number`);
  return n;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('clearance')
    .description('Prop 64 record clearance: classify DOJ research-file extracts, locally or on AWS.')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') });

  program
    .command('classify')
    .description('classify local extract files in this process and write the results into a directory')
    .requiredOption('--input <files>', 'extract file(s), comma-separated; several files are one population')
    .requiredOption('--county <name>', 'county as in STP_ORI_CNTY_NAME, e.g. "LOS ANGELES"')
    .requiredOption('--policy <file|preset>', 'county policy JSON file, or a preset: reference-default, dismiss-all, los-angeles-2020, statute-conservative')
    .option('--compute-at <YYYY-MM-DD>', 'the date eligibility is computed at (default: today, UTC)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--scenario <presets>', 'extra presets to report as what-if scenarios, comma-separated')
    .addOption(new Option('--max-reject-ratio <ratio>', 'fail the run when more rows than this share are rejected').argParser(ratio).default(0.05))
    .addOption(new Option('--range-mb <n>', 'split the input into byte ranges of about n MiB').argParser(positiveInteger))
    .addOption(new Option('--partition-mb <n>', 'about n MiB of input per classify partition').argParser(positiveInteger))
    .addOption(new Option('--concurrency <n>', 'phase tasks run at once').argParser(positiveInteger).default(2))
    .action(async (options: ClassifyOptions) => (await import('./commands/classify')).classifyCommand(options));

  program
    .command('run')
    .description('run the real workflow: on this machine (embedded S3, DynamoDB and state machine) or, with --aws, on a deployed stack')
    .option('--input <files...>', 'extract file(s); default: a generated sample')
    .option('--county <name>', 'county as in STP_ORI_CNTY_NAME', 'LOS ANGELES')
    .option('--policy <file|preset>', 'county policy JSON file, or a preset', 'reference-default')
    .option('--compute-at <YYYY-MM-DD>', 'the date eligibility is computed at (default: today, UTC)')
    .option('--out <dir>', 'results and reports are copied to <dir>/<runId>/', 'out')
    .option('--scenario <presets>', 'extra presets to report as what-if scenarios, comma-separated')
    .option('--keep-state <dir>', 'persist the embedded S3 and DynamoDB in <dir> between runs')
    .addOption(new Option('--sample-people <n>', 'people in the generated sample').argParser(positiveInteger).default(SAMPLE.people))
    .addOption(new Option('--workers <n>', 'worker threads running Lambda invocations (default: CPU count)').argParser(positiveInteger))
    .addOption(new Option('--range-mb <n>', 'embedded stack: split the input into byte ranges of about n MiB (default 64)').argParser(positiveInteger))
    .addOption(new Option('--partition-mb <n>', 'embedded stack: about n MiB of input per classify partition (default 32)').argParser(positiveInteger))
    .option('--aws', 'use a deployed stack with the default AWS credentials')
    .option('--bucket <name>', 'with --aws: the stack output DataBucketName')
    .option('--table <name>', 'with --aws: the stack output LedgerTableName')
    .option('--state-machine-arn <arn>', 'with --aws: the stack output StateMachineArn')
    .action(async (options: RunOptions) => {
      // The embedded stack's synth starts first, on its own thread, while the run command loads.
      const synth = options.aws ? undefined : (await import('./commands/embedded-synth')).synthEmbeddedTemplate(options);
      synth?.catch(() => undefined); // awaited (and its error reported) by runCommand
      return (await import('./commands/run')).runCommand(options, synth);
    });

  program
    .command('status')
    .description('list runs from the ledger (with --keep-state DIR of earlier runs, or --aws)')
    .argument('[runId]', 'one run in full')
    .option('--keep-state <dir>', 'the embedded state directory of earlier `clearance run --keep-state` runs', '.local-state')
    .option('--county <name>', 'runs of this county only')
    .addOption(new Option('--limit <n>', 'most recent runs shown').argParser(positiveInteger).default(20))
    .option('--aws', 'read the ledger of a deployed stack')
    .option('--table <name>', 'with --aws: the stack output LedgerTableName')
    .action(async (runId: string | undefined, options: StatusOptions) => (await import('./commands/status')).statusCommand(runId, options));

  program
    .command('generate')
    .description('write a fabricated, deterministic extract (for tests, demos and benchmarks)')
    .requiredOption('--county <name>', 'the county every person has a Prop 64 conviction in')
    .requiredOption('--people <n>', 'number of people', positiveInteger)
    .option('--seed <n>', 'random seed', integer, 1)
    .option('--no-header', 'omit the RECORD_ID header row')
    .option('--out <file>', 'output file (default: standard output)')
    .action(async (options: { county: string; people: number; seed: number; header: boolean; out?: string }) => {
      const target = options.out ? createWriteStream(options.out) : process.stdout;
      for (const chunk of generateExtract({ county: options.county, people: options.people, seed: options.seed, header: options.header })) {
        if (!target.write(chunk)) await once(target, 'drain');
      }
      if (options.out) {
        target.end();
        await once(target, 'finish');
        process.stderr.write(`wrote ${path.resolve(options.out)}\n`);
      }
    });

  registerReviewCommand(program);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const err = error as Error & { exitCode?: number; code?: string };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) return err.exitCode ?? 2;
    const runFailure = ['RejectRatioExceeded', 'UnknownCountyError', 'InvariantError', 'RunFailed'].includes(err.name);
    process.stderr.write(`clearance: ${err.message.split('\n')[0]}\n`);
    return runFailure ? 1 : 2;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
