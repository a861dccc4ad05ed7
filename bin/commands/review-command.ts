/**
 * `clearance review`'s options. Its code (./review, with the decision files' schemas) loads when the command runs,
 * so that other commands do not load it.
 */
import { Command } from 'commander';

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
    .description('check a decision file whole and, if it has no problem, apply it as the next review round (writes <dir>/final/)')
    .requiredOption('--results <dir>', 'the results folder of the run (holding review_list.csv)')
    .requiredOption('--decisions <file>', 'the decision file (CSV: Conviction ID, Decision, Decision Reason, Reviewer, Decision Date)')
    .action(async (options: { results: string; decisions: string }) => {
      await (await import('./review')).reviewApplyCommand(options);
    })
    .exitOverride();
}
