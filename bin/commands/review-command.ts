/**
 * `clearance review`'s options. Its code (./review, with the decision files' schemas) loads when the command runs,
 * so that other commands do not load it.
 */
import { Command } from 'commander';
import { UsageError } from '../../lambdas/domain/errors';

/** Adds `review template` and `review apply` to the program. */
export function registerReviewCommand(program: Command): void {
  const review = program
    .command('review')
    .description("the prosecutor's review of a finished run: decision templates, decision files, final lists")
    .exitOverride();
  review
    .command('template')
    .description('write the review list of a run as a decision file to fill in')
    .requiredOption('--results <dir>', 'the results folder of the run (holding review_list.csv)')
    .requiredOption('--out <file>', 'the decision file to write')
    .action(async (options: { results: string; out: string }) => (await import('./review')).reviewTemplateCommand(options))
    .exitOverride();
  review
    .command('apply')
    .description(
      'check a decision file whole and, if it has no problem, apply it as the next review round: on a results folder ' +
        '(--results, writes <dir>/final/) or on a run kept by `clearance run --keep-state` (--run, through the Finalize workflow)',
    )
    .option('--results <dir>', 'the results folder of the run (holding review_list.csv)')
    .option('--run <runId>', 'a run of the embedded stack kept in --keep-state: the file is uploaded to reviews/<COUNTY>/<runId>/ and Finalize applies it')
    .option('--keep-state <dir>', 'with --run: the embedded state folder of `clearance run --keep-state`', '.local-state')
    .option('--out <dir>', 'with --run: the final lists and review state are copied to <dir>/<runId>/results/', 'out')
    .requiredOption('--decisions <file>', 'the decision file (CSV: Conviction ID, Decision, Decision Reason, Reviewer, Decision Date)')
    .action(async (options: { results?: string; run?: string; keepState: string; out: string; decisions: string }) => {
      if ((options.results === undefined) === (options.run === undefined)) {
        throw new UsageError('review apply needs one of --results <dir> (a results folder) or --run <runId> (a run of the embedded stack)');
      }
      if (options.run !== undefined) {
        const { reviewApplyOnStackCommand } = await import('./review-stack');
        await reviewApplyOnStackCommand({ run: options.run, decisions: options.decisions, keepState: options.keepState, out: options.out });
      } else {
        await (await import('./review')).reviewApplyCommand({ results: options.results!, decisions: options.decisions });
      }
    })
    .exitOverride();
}
