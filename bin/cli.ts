/**
 * `clearance`: the command line. Commands: run (the workflow on the embedded stack or AWS), classify (local files,
 * in-process), status and prune (kept runs), generate (fabricated extracts), rollup (the statewide report from every
 * county's latest run), review (a prosecutor's decisions on a run's review list: template, apply). Errors end the
 * process with one clear line on stderr and an exit code: 2 for a bad request (arguments, policy, input, a state
 * folder in use), 1 for a run that failed (too many rejects, county not in the extract, a workflow failure), 130 / 143
 * when interrupted by SIGINT / SIGTERM.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import { DEFAULT_MAX_REJECT_RATIO } from '../lambdas/domain/defaults';
import { SAMPLE } from './commands/sample';
import { registerReviewCommand } from './commands/review-command';
import type { ClassifyOptions } from './commands/classify';
import type { RunOptions } from './commands/run';
import type { StatusOptions } from './commands/status';
import type { PruneOptions } from './commands/prune';
import { handleInterrupts, interruptedBy } from './commands/interrupts';
import { restrictUmask } from './commands/private-files';
import { isRequestError, UsageError } from '../lambdas/domain/errors';

// Commands are loaded when run: `run` and `status` load the AWS SDK and the embedded stack (~0.25 s each),
// which `classify` and `generate` do not need.

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

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a number >= 0`);
  return n;
}

/** `--aws`'s own options, checked before the request's (request.ts) and before any SDK loads. */
function checkAwsOptionsEarly(options: RunOptions): void {
  const problem = !options.aws
    ? [options.bucket, options.table, options.stateMachineArn].some((value) => value !== undefined)
      ? '--bucket, --table and --state-machine-arn go with --aws'
      : options.sample || options.replacePolicy
        ? `${options.sample ? '--sample' : '--replace-policy'} goes with --aws (without it, run uses the embedded stack)`
        : undefined
    : !options.bucket || !options.table || !options.stateMachineArn
      ? '--aws needs --bucket, --table and --state-machine-arn (the stack outputs DataBucketName, LedgerTableName, StateMachineArn)'
      : options.rangeMb !== undefined || options.partitionMb !== undefined
        ? "--range-mb and --partition-mb size the embedded stack; a deployed stack's sizes are set when it is deployed (cdk context targetRangeBytes)"
        : options.keepState !== undefined
          ? "--keep-state keeps the embedded stack's state; a deployed stack keeps its own"
          : (options.input === undefined || options.input.length === 0) && !options.sample
            ? '--aws without --input would upload a generated sample to the deployed stack (fake results, ledger items and metrics): pass --input <files>, or --sample to do it on purpose'
            : undefined;
  if (problem) throw new UsageError(problem);
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
    .addHelpText(
      'after',
      '\nExit codes: 0 done; 2 a bad request (arguments, policy, input, a --keep-state folder in use), refused before any work;\n' +
        '1 a run that failed (its reports kept); 130 / 143 interrupted by SIGINT (Ctrl-C) / SIGTERM, its temporary files removed.\n' +
        'Everything written is owner-only (0700 folders, 0600 files).',
    )
    .showHelpAfterError('(clearance <command> --help for its options)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') });

  registerClassifyCommand(program);
  registerRunCommand(program);
  registerStatusCommand(program);
  registerPruneCommand(program);
  registerGenerateCommand(program);
  registerRollupCommand(program);
  registerReviewCommand(program);

  return program;
}

/** `clearance classify`: the whole pipeline in this process. */
function registerClassifyCommand(program: Command): void {
  program
    .command('classify')
    .description('classify local extract files in this process; each run gets its own folder <out>/<runId>/ (printed on stdout)')
    .requiredOption('--input <files...>', 'extract file(s): --input a.csv b.csv or --input a.csv,b.csv; several files are one population')
    .requiredOption('--county <name>', 'one of California\'s 58 counties, as in STP_ORI_CNTY_NAME, e.g. "LOS ANGELES" (any letter case)')
    .requiredOption('--policy <file|preset>', 'county policy JSON file, or a preset: reference-default, dismiss-all, los-angeles-2020, statute-conservative')
    .option('--compute-at <YYYY-MM-DD>', 'the date eligibility is computed at (default: today, UTC)')
    .requiredOption('--out <dir>', 'outputs go to <dir>/<runId>/results/ (personal data) and <dir>/<runId>/reports/ (none)')
    .option('--scenario <presets>', 'extra presets to report as what-if scenarios, comma-separated')
    .addOption(new Option('--max-reject-ratio <ratio>', 'fail the run when more rows than this share are rejected').argParser(ratio).default(DEFAULT_MAX_REJECT_RATIO))
    .addOption(new Option('--range-mb <n>', 'split the input into byte ranges of about n MiB').argParser(positiveInteger))
    .addOption(new Option('--partition-mb <n>', 'about n MiB of input per classify partition').argParser(positiveInteger))
    .addOption(new Option('--concurrency <n>', 'phase tasks run at once').argParser(positiveInteger).default(2))
    .option('--excel-safe', 'neutralise spreadsheet formulas in the three reference-format CSVs too (docs/security.md)')
    .option('--previous <dir>', 'compare with an earlier classify of the county (its folder <out>/<runId>): changes.csv, decisions carried forward (docs/monthly.md)')
    .action(async (options: ClassifyOptions) => (await import('./commands/classify')).classifyCommand(options))
    .exitOverride();
}

/** `clearance run`: the real workflow, on the embedded stack or a deployed one. */
function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the real workflow: on this machine (embedded S3, DynamoDB and state machine) or, with --aws, on a deployed stack')
    .option('--input <files...>', 'extract file(s): --input a.csv b.csv or --input a.csv,b.csv (default: a generated sample)')
    .option('--county <name>', 'one of California\'s 58 counties, as in STP_ORI_CNTY_NAME (any letter case)', 'LOS ANGELES')
    .option('--policy <file|preset>', 'county policy JSON file, or a preset: reference-default, dismiss-all, los-angeles-2020, statute-conservative', 'reference-default')
    .option('--compute-at <YYYY-MM-DD>', 'the date eligibility is computed at (default: today, UTC)')
    .option('--out <dir>', 'outputs are copied to <dir>/<runId>/results/ (personal data) and <dir>/<runId>/reports/ (none)', 'out')
    .option('--scenario <presets>', 'extra presets to report as what-if scenarios, comma-separated')
    .option('--keep-state <dir>', 'keep the embedded S3 and DynamoDB in <dir> (each run\'s extract, work area, outputs and ledger item; see clearance prune); one process at a time')
    .addOption(new Option('--sample-people <n>', 'people in the generated sample').argParser(positiveInteger).default(SAMPLE.people))
    .addOption(new Option('--workers <n>', 'worker threads running Lambda invocations (default: CPU count)').argParser(positiveInteger))
    .addOption(new Option('--range-mb <n>', 'embedded stack: split the input into byte ranges of about n MiB (default 64)').argParser(positiveInteger))
    .addOption(new Option('--partition-mb <n>', 'embedded stack: about n MiB of input per classify partition (default 32)').argParser(positiveInteger))
    .option('--excel-safe', 'embedded stack: neutralise spreadsheet formulas in the three reference-format CSVs too (docs/security.md)')
    .option('--aws', 'use a deployed stack with the default AWS credentials')
    .option('--bucket <name>', 'with --aws: the stack output DataBucketName')
    .option('--table <name>', 'with --aws: the stack output LedgerTableName')
    .option('--state-machine-arn <arn>', 'with --aws: the stack output StateMachineArn (its region is the stack\'s)')
    .option('--sample', 'with --aws: upload the generated sample on purpose (refused otherwise)')
    .option('--replace-policy', 'with --aws: replace the county\'s existing policies/<COUNTY>.json with --policy\'s file')
    .action(async (options: RunOptions) => {
      // Every argument is checked before any work: no stack starts for a request that cannot run.
      const { checkRequest } = await import('./commands/request');
      checkAwsOptionsEarly(options);
      const request = await checkRequest(options);
      // A state folder another process holds is refused before any work too.
      const lock = request.keepState && !options.aws ? await (await import('./commands/state-lock')).acquireStateLock(request.keepState, 'clearance run') : undefined;
      for (const note of request.notes) process.stderr.write(`${note}\n`);
      // The embedded stack's synth starts next, on its own thread, while the run command loads.
      const synth = options.aws ? undefined : (await import('./commands/embedded-synth')).synthEmbeddedTemplate(options);
      synth?.catch(() => undefined); // awaited (and its error reported) by runCommand
      return (await import('./commands/run')).runCommand(options, request, synth, lock);
    })
    .exitOverride();
}

/** `clearance status`: runs from the ledger. */
function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('list runs from the ledger (with --keep-state DIR of earlier runs, or --aws)')
    .argument('[runId]', 'one run in full')
    .option('--keep-state <dir>', 'the embedded state folder of earlier `clearance run --keep-state` runs (read through the running process while one runs)', '.local-state')
    .option('--county <name>', 'runs of this county only')
    .addOption(new Option('--limit <n>', 'most recent runs shown').argParser(positiveInteger).default(20))
    .option('--aws', 'read the ledger of a deployed stack, and the status of executions that disagree with it')
    .option('--table <name>', 'with --aws: the stack output LedgerTableName')
    .option('--state-machine-arn <arn>', 'with --aws: the stack output StateMachineArn (its region is the stack\'s)')
    .action(async (runId: string | undefined, options: StatusOptions) => (await import('./commands/status')).statusCommand(runId, options))
    .exitOverride();
}

/** `clearance prune`: kept runs removed from a --keep-state folder. */
function registerPruneCommand(program: Command): void {
  program
    .command('prune')
    .description('remove kept runs from a --keep-state folder (their extract, work area, outputs and ledger item), by id or by age')
    .argument('[runIds...]', 'runs to remove')
    .option('--keep-state <dir>', 'the embedded state folder of `clearance run --keep-state`', '.local-state')
    .addOption(new Option('--older-than <days>', 'remove the runs started more than <days> days ago').argParser(nonNegativeNumber))
    .option('--all', 'remove every kept run')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .action(async (runIds: string[], options: PruneOptions) => (await import('./commands/prune')).pruneCommand(runIds, options))
    .exitOverride();
}

/** `clearance generate`: a fabricated extract. */
function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('write a fabricated, deterministic extract (for tests, demos and benchmarks)')
    .requiredOption('--county <name>', 'the county every person has a Prop 64 conviction in')
    .requiredOption('--people <n>', 'number of people', positiveInteger)
    .option('--seed <n>', 'random seed', integer, 1)
    .option('--no-header', 'omit the RECORD_ID header row')
    .option('--out <file>', 'output file (default: standard output)')
    .option('--next-month', '"next month\'s" extract of the same seed: some people sealed or new, new convictions, corrected dates and levels (docs/monthly.md)')
    .exitOverride()
    .action(async (options: { county: string; people: number; seed: number; header: boolean; out?: string; nextMonth?: boolean }) => {
      const { generateExtract } = await import('../tools/generator');
      const target = options.out ? createWriteStream(options.out) : process.stdout;
      for (const chunk of generateExtract({ county: options.county, people: options.people, seed: options.seed, header: options.header, nextMonth: options.nextMonth === true })) {
        if (!target.write(chunk)) await once(target, 'drain');
      }
      if (options.out) {
        target.end();
        await once(target, 'finish');
        process.stderr.write(`wrote ${path.resolve(options.out)}\n`);
      }
    });
}

/** `clearance rollup`: the statewide roll-up. */
function registerRollupCommand(program: Command): void {
  program
    .command('rollup')
    .description('statewide summary.json, statistics.csv and report.html from the latest run of every county under --from (docs/analytics.md)')
    .requiredOption('--from <dir>', 'folder holding analytics/: the --out of `clearance run` / `classify`, or a copy of the bucket\'s analytics/')
    .option('--out <dir>', 'where the roll-up goes (default: <from>/rollup/)')
    .action(async (options: { from: string; out?: string }) => (await import('./commands/rollup')).rollupCommand(options))
    .exitOverride();
}

/** Exit code of an error: 0 for help and version, 2 for a bad request (commander's own included), 1 for a failed run. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) || error.exitCode === 0 ? 0 : 2;
  }
  return isRequestError(error) ? 2 : 1;
}

export async function main(argv: string[]): Promise<number> {
  // Extracts, results and kept state hold personal data: nothing this process writes is readable by other users.
  restrictUmask();
  // Ctrl-C and SIGTERM end every command with 130 / 143, after what its work needs undone (interrupts.ts).
  handleInterrupts();
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // An interrupt stopped the work under the command: its handler reports and exits (interrupts.ts).
    if (interruptedBy()) return new Promise<number>(() => undefined);
    const code = exitCodeOf(error);
    // commander printed its own message already.
    if (!(error instanceof CommanderError)) process.stderr.write(`clearance: ${(error as Error).message.split('\n')[0]}\n`);
    return code;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
