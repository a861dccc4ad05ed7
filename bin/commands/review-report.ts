/** What `clearance review apply` prints once a decision file is applied, whichever path applied it. */
import { ReviewReport } from '../../lambdas/domain/review/apply';

/** Says what an applied (or already applied) decision file did, on stderr. */
export function reportApplied(report: ReviewReport, finalDir: string): void {
  if (report.status === 'ALREADY_APPLIED') {
    process.stderr.write(`${report.file} is already applied as round ${report.round}: nothing changed\n`);
  } else {
    const c = report.counts!;
    process.stderr.write(
      `${report.file}: round ${report.round}, ${report.decisions} decisions applied; ` +
        `${c.relief} convictions on the final motion, ${c.denied} denied, ${c.pending} pending; final lists in ${finalDir}\n`,
    );
  }
}
