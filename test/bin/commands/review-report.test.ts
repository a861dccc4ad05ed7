/** What `clearance review apply` prints (bin/commands/review-report.ts): one line on stderr, counts only. */
import { reportApplied } from '../../../bin/commands/review-report';
import type { ReviewReport } from '../../../lambdas/domain/review/apply';

describe('reportApplied', () => {
  let lines: string[];
  beforeEach(() => {
    lines = [];
    jest.spyOn(process.stderr, 'write').mockImplementation(((text: string) => lines.push(text) > 0) as never);
  });
  afterEach(() => jest.restoreAllMocks());

  const base = { file: 'round2.csv', sha256: 'ab', rounds: 2, problems: [] };

  it('says the round, the decisions applied and the final counts, and where the lists are', () => {
    const counts = { relief: 40, denied: 3, pending: 5 } as ReviewReport['counts'];
    reportApplied({ ...base, status: 'APPLIED', round: 2, decisions: 7, counts }, '/out/run/final');
    expect(lines).toEqual(['round2.csv: round 2, 7 decisions applied; 40 convictions on the final motion, 3 denied, 5 pending; final lists in /out/run/final\n']);
  });

  it('says a file applied before changed nothing', () => {
    reportApplied({ ...base, status: 'ALREADY_APPLIED', round: 1 }, '/out/run/final');
    expect(lines).toEqual(['round2.csv is already applied as round 1: nothing changed\n']);
  });
});
