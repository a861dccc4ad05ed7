/**
 * The review state of a run in its reports (docs/review.md, "Review state in the reports"): summary.json gains a
 * `review` object and report.html a "Prosecutor's review" section, rewritten by each applied round. Counts only:
 * no id, name, case number, reason text of a reviewer or line of a decision file (reasons appear only as fixed
 * wordings or rule ids).
 */
import { escapeHtml, formatCount, REVIEW_SLOT_END, REVIEW_SLOT_START } from '../report/html';
import { DETERMINATION_ORDER, determinationLabel, NO_DETERMINATION, RULE_ORDER } from '../report/model';
import { DENIED_BY_REVIEWER, FINAL_STATUS, ReviewCounts } from './finalize';

/** summary.json's `review`: the review as it stands after `rounds` rounds. */
export interface SummaryReviewState {
  rounds: number;
  convictions: number;
  relief: number;
  denied: number;
  pending: number;
  decided: number;
  /** Automatic determination → { Relief, Denied, Pending, decided }. */
  byDetermination: Record<string, Record<string, number>>;
  pendingByReason: Record<string, number>;
  deniedByReason: Record<string, number>;
  overrides: ReviewCounts['overrides'];
  /** People left with no felony / no conviction on the final decisions (null: the review list has no person columns). */
  impact: ReviewCounts['impact'];
}

export function summaryReviewState(rounds: number, counts: ReviewCounts): SummaryReviewState {
  const byDetermination: Record<string, Record<string, number>> = {};
  for (const [determination, byStatus] of Object.entries(counts.byDetermination)) {
    byDetermination[determination] = {
      [FINAL_STATUS.relief]: byStatus[FINAL_STATUS.relief] ?? 0,
      [FINAL_STATUS.denied]: byStatus[FINAL_STATUS.denied] ?? 0,
      [FINAL_STATUS.pending]: byStatus[FINAL_STATUS.pending] ?? 0,
      decided: counts.decidedByDetermination[determination] ?? 0,
    };
  }
  const { convictions, relief, denied, pending, decided, pendingByReason, deniedByReason, overrides, impact } = counts;
  return { rounds, convictions, relief, denied, pending, decided, byDetermination, pendingByReason, deniedByReason, overrides, impact };
}

/** summary.json's text with `review` set (the rest as it was). */
export function withReviewState(summaryText: string, state: SummaryReviewState): string {
  const summary = JSON.parse(summaryText) as Record<string, unknown>;
  return `${JSON.stringify({ ...summary, review: state }, null, 2)}\n`;
}

/** report.html's text with the review section in its slot; unchanged when the report has no slot (an older run). */
export function withReviewSection(html: string, state: SummaryReviewState): string {
  const start = html.indexOf(REVIEW_SLOT_START);
  const end = html.indexOf(REVIEW_SLOT_END, start);
  if (start < 0 || end < 0) return html;
  return `${html.slice(0, start + REVIEW_SLOT_START.length)}\n${reviewSectionHtml(state)}\n${html.slice(end)}`;
}

const OVERRIDE_WORDS: Readonly<Record<keyof ReviewCounts['overrides'], string>> = {
  reliefToDenied: 'Automatic relief denied',
  reliefToPending: 'Automatic relief deferred',
  reliefChanged: 'Relief changed (dismissal ↔ reduction)',
  deniedToRelief: 'Not eligible, relief granted',
  deniedToPending: 'Not eligible, deferred',
};

function rows(cells: string[][]): string {
  return cells.map((row) => `<tr>${row.map((cell, i) => (i === 0 ? `<td>${cell}</td>` : `<td class="num">${cell}</td>`)).join('')}</tr>`).join('\n');
}

function deniedReasonWords(reason: string): string {
  if (reason === DENIED_BY_REVIEWER) return reason;
  return `Not eligible: ${RULE_ORDER[reason as keyof typeof RULE_ORDER] ?? reason}`;
}

export function reviewSectionHtml(state: SummaryReviewState): string {
  const determinations = Object.keys(state.byDetermination).sort(
    (a, b) => (DETERMINATION_ORDER.indexOf(a) + 1 || 99) - (DETERMINATION_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  const byDetermination = rows(
    determinations.map((determination) => {
      const counts = state.byDetermination[determination];
      const label = determination === NO_DETERMINATION ? 'No determination' : determinationLabel(determination);
      return [escapeHtml(label), ...[counts.decided, counts[FINAL_STATUS.relief], counts[FINAL_STATUS.denied], counts[FINAL_STATUS.pending]].map(formatCount)];
    }),
  );
  const reasons = rows([
    ...Object.entries(state.deniedByReason).map(([reason, n]) => [`Denied — ${escapeHtml(deniedReasonWords(reason))}`, formatCount(n)]),
    ...Object.entries(state.pendingByReason).map(([reason, n]) => [`Pending — ${escapeHtml(reason)}`, formatCount(n)]),
  ]);
  const overrides = rows((Object.keys(OVERRIDE_WORDS) as Array<keyof ReviewCounts['overrides']>).map((key) => [escapeHtml(OVERRIDE_WORDS[key]), formatCount(state.overrides[key])]));
  const impact =
    state.impact === null
      ? '<p>The review list of this run has no person columns: the final impact on people is not computed.</p>'
      : `<div class="headline">
<div class="figure" data-review-impact="peopleNoFelony"><span class="number">${formatCount(state.impact.peopleNoFelony)}</span><span class="label">people who no longer have a felony, on the final decisions (automatic: ${formatCount(state.impact.automatic.peopleNoFelony)})</span></div>
<div class="figure" data-review-impact="peopleNoConviction"><span class="number">${formatCount(state.impact.peopleNoConviction)}</span><span class="label">people with no conviction left, on the final decisions (automatic: ${formatCount(state.impact.automatic.peopleNoConviction)})</span></div>
</div>`;
  return `<section id="review">
<h2>Prosecutor's review</h2>
<p data-review-text>After ${formatCount(state.rounds)} review round${state.rounds === 1 ? '' : 's'}: of ${formatCount(state.convictions)} convictions,
<strong>${formatCount(state.relief)}</strong> are on the final motion, ${formatCount(state.denied)} denied and ${formatCount(state.pending)} pending;
${formatCount(state.decided)} have a reviewer's decision.</p>
${impact}
<table>
<thead><tr><th>Automatic determination</th><th class="num">Decided</th><th class="num">Final: relief</th><th class="num">Final: denied</th><th class="num">Final: pending</th></tr></thead>
<tbody>
${byDetermination}
</tbody>
</table>
<table>
<thead><tr><th>Denied or pending, by reason</th><th class="num">Convictions</th></tr></thead>
<tbody>
${reasons}
</tbody>
</table>
<table>
<thead><tr><th>Overrides of the automatic result</th><th class="num">Convictions</th></tr></thead>
<tbody>
${overrides}
</tbody>
</table>
</section>`;
}
