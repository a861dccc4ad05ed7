/**
 * Row-by-row comparison of our decisions with the Los Angeles flow's own results (gogen_pilots,
 * shared/fixtures/doj/reference-run-la-flow): by column name, on every evaluated conviction. The flow words its
 * reasons and one determination differently; LABELS maps its wording to ours (a label, not a decision, differs).
 */
import { parseCsvText } from './csv-compare';

const DETERMINATION = 'Eligibility Determination';
const REASON = 'Eligibility Reason';

/** The flow's determination labels → ours. */
export const DETERMINATION_LABELS: Readonly<Record<string, string>> = Object.freeze({
  'To be reviewed by City Attorneys': 'To be reviewed by City Attorney',
});

/**
 * The flow's reasons → the reason keys of ours that say the same (our reasons may add evidence after `: `).
 * Source of the flow's wording: data/los_angeles_eligibility_flow.go.
 */
export const REASON_LABELS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'Misdemeanor or Infraction': ['Misdemeanor or Infraction'],
  'Occurred after 11/09/2016': ['Occurred after 11/9/2016'],
  '11357(a) or 11357(b)': ['Dismiss all HS 11357(A) convictions', 'Dismiss all HS 11357(B) convictions'],
  'Other 11357': ['Hand review all HS 11357 convictions'],
  'PC 667(e)(2)(c)(iv)': ['Prior superstrike'],
  'PC 290': ['Prior PC 290 offense', 'Prior PC 290 registration'],
  'Two priors': ['Two prior HS 11358 convictions', 'Two prior HS 11359 convictions', 'Two prior HS 11360 convictions'],
  '50 years or older': ['50 years or older'],
  '21 years or younger': ['21 years or younger'],
  'Only has 11357-60 charges and completed sentence': ['Only has 11357-60 charges and completed sentence'],
  'No convictions in past 10 years': ['No convictions in past 10 years'],
  'Currently serving sentence': ['Currently serving sentence'],
  Deceased: ['Individual is deceased'],
  'No applicable eligibility criteria': ['No relief rule applies'],
});

/** Our reason without its evidence: the text before the first `: `. */
export function reasonKeyOf(reason: string): string {
  const colon = reason.indexOf(': ');
  return colon < 0 ? reason : reason.slice(0, colon);
}

export interface RowDifference {
  /** Data row index (0 = first row after the header). */
  row: number;
  /** Our whole row by column name. */
  ours: Record<string, string>;
  flow: { determination: string; reason: string };
  /** Only the reason differs (same determination). */
  reasonOnly: boolean;
}

export interface FlowComparison {
  /** Evaluated convictions: rows with a determination on either side. */
  evaluated: number;
  agreeing: number;
  differences: RowDifference[];
}

function sameDecision(flowDetermination: string, flowReason: string, ourDetermination: string, ourReason: string): { determination: boolean; reason: boolean } {
  const determination = (DETERMINATION_LABELS[flowDetermination] ?? flowDetermination) === ourDetermination;
  const keys = REASON_LABELS[flowReason] ?? [flowReason];
  return { determination, reason: keys.includes(reasonKeyOf(ourReason)) };
}

/** Compares the flow's All_Results with ours, rows in input order, columns by name. */
export function compareWithFlow(flowText: string, oursText: string): FlowComparison {
  const flow = parseCsvText(flowText);
  const ours = parseCsvText(oursText);
  if (flow.length !== ours.length) throw new Error(`row counts differ: flow ${flow.length}, ours ${ours.length}`);
  const flowHeader = flow[0];
  const ourHeader = ours[0];
  const column = (header: string[], name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`no column ${name}`);
    return index;
  };
  const flowDetermination = column(flowHeader, DETERMINATION);
  const flowReason = column(flowHeader, REASON);
  const ourDetermination = column(ourHeader, DETERMINATION);
  const ourReason = column(ourHeader, REASON);
  let evaluated = 0;
  let agreeing = 0;
  const differences: RowDifference[] = [];
  for (let i = 1; i < flow.length; i++) {
    const f = flow[i];
    const o = ours[i];
    if (f[flowDetermination] === '' && o[ourDetermination] === '') continue;
    evaluated++;
    const same = sameDecision(f[flowDetermination], f[flowReason], o[ourDetermination], o[ourReason]);
    if (same.determination && same.reason) {
      agreeing++;
      continue;
    }
    differences.push({
      row: i - 1,
      ours: Object.fromEntries(ourHeader.map((name, index) => [name, o[index]])),
      flow: { determination: f[flowDetermination], reason: f[flowReason] },
      reasonOnly: same.determination,
    });
  }
  return { evaluated, agreeing, differences };
}
