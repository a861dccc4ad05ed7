/**
 * report.html: one self-contained, printable page for a District Attorney's office. Inline CSS and inline
 * SVG (Vega-Lite, rendered in Node), no script, no external resource (a Content-Security-Policy says so to
 * the browser). Built from the report model only, which holds aggregates and suppressed demographics.
 */
import { CHANGE_KINDS, ChangeKind } from '../register/compare';
import { cachedSvg, ChartCache, ChartSpec, reportCharts, WHAT_IF_METRICS } from './charts';
import { DATE_FIELD_WORDS, DemographicsReport, determinationLabel, GLOSSARY, ReportModel } from './model';
import { SuppressedTable } from './suppression';

const STYLE = `
:root { --ink: #1f2933; --muted: #52606d; --rule: #d9dee3; --accent: #1a9850; }
* { box-sizing: border-box; }
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 900px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid var(--rule); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p.meta, .note { color: var(--muted); font-size: 12px; }
.headline { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 12px 0; }
.headline .figure { border: 1px solid var(--rule); border-left: 4px solid var(--accent); padding: 10px 12px; }
.headline .number { display: block; font-size: 28px; font-weight: bold; }
.headline .label { display: block; font-size: 12px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 12px; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 6px; text-align: left; vertical-align: top; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; border-top: 2px solid var(--rule); }
figure.chart { margin: 8px 0 12px; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figure.chart figcaption { font-size: 12px; color: var(--muted); }
.demographics { display: block; }
p.sample { border: 2px solid #b35806; background: #fff7ec; padding: 8px 12px; font-weight: bold; }
dl.glossary dt { font-weight: bold; margin-top: 6px; }
dl.glossary dd { margin: 0 0 0 18px; }
ul.policy { margin: 4px 0 0 18px; padding: 0; }
@page { size: letter; margin: 0.5in; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  .headline .number { font-size: 22px; }
  section { break-inside: avoid-page; }
  section.long { break-inside: auto; }
  h2 { break-after: avoid-page; }
  figure.chart, table { break-inside: avoid-page; }
}
`;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const ESCAPE_PATTERN = /[&<>"']/g;

/**
 * The slot of the prosecutor's review section: empty when the run ends, filled by each applied review round
 * (review/review-state.ts).
 */
export const REVIEW_SLOT_START = '<!--review-->';
export const REVIEW_SLOT_END = '<!--/review-->';

export function escapeHtml(text: string): string {
  return text.replace(ESCAPE_PATTERN, (c) => ESCAPES[c]);
}

/** 12345 → "12,345" (no locale data needed). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}


function table(headers: Array<[string, boolean]>, rows: string[][], totalRow?: string[]): string {
  const head = headers.map(([title, numeric]) => `<th${numeric ? ' class="num"' : ''}>${escapeHtml(title)}</th>`).join('');
  const cells = (row: string[]) => row.map((cell, i) => `<td${headers[i][1] ? ' class="num"' : ''}>${cell}</td>`).join('');
  const body = rows.map((row) => `<tr>${cells(row)}</tr>`).join('\n');
  const total = totalRow ? `\n<tr class="total">${cells(totalRow)}</tr>` : '';
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}${total}\n</tbody>\n</table>`;
}

function figure(chart: ChartSpec | undefined, svgs: Map<string, string>, caption: string): string {
  if (chart === undefined) return '';
  return `<figure class="chart" data-chart="${chart.id}">\n${svgs.get(chart.id)}\n<figcaption>${escapeHtml(caption)}</figcaption>\n</figure>`;
}

function headline(model: ReportModel): string {
  const h = model.headline;
  const figures: Array<[string, number, string]> = [
    ['peopleWithSomeRelief', h.peopleWithSomeRelief, 'people with any relief'],
    ['peopleNoFelony', h.peopleNoFelony, 'people who no longer have a felony'],
    ['peopleNoConviction', h.peopleNoConviction, 'people with no conviction left'],
    ['peopleNoConvictionLast7Years', h.peopleNoConvictionLast7Years, 'people with no conviction in the last 7 years'],
  ];
  const boxes = figures
    .map(([key, value, label]) => `<div class="figure" data-headline="${key}"><span class="number">${formatCount(value)}</span><span class="label">${escapeHtml(label)}</span></div>`)
    .join('\n');
  const determinations = table(
    [['Convictions', false], ['Count', true], ['Share', true], ['What happens next', false]],
    h.determinations.map((row) => [
      `<span data-determination="${escapeHtml(row.determination)}">${escapeHtml(row.words.charAt(0).toUpperCase() + row.words.slice(1))}</span>`,
      `<span data-count="${escapeHtml(row.determination)}">${formatCount(row.count)}</span>`,
      escapeHtml(row.share),
      escapeHtml(row.next),
    ]),
    ['All evaluated', formatCount(h.convictionsEvaluated), h.convictionsEvaluated > 0 ? '100%' : '–', ''],
  );
  return `<section id="headline">
<h2>Headline impact</h2>
<p data-headline-text>Of <strong>${formatCount(h.peopleWithProp64Conviction)}</strong> people with a Prop 64 conviction in ${escapeHtml(model.county)}
(${formatCount(h.convictionsEvaluated)} convictions: ${formatCount(h.felonies)} felonies, ${formatCount(h.nonFelonies)} misdemeanors or infractions),
<strong>${formatCount(h.peopleWithSomeRelief)}</strong> (${escapeHtml(h.peopleWithSomeReliefShare)}) get some relief, a dismissal or a reduction, under this policy;
${formatCount(h.peopleWithProp64Conviction - h.peopleWithSomeRelief)} get none from this run.
Of the ${formatCount(h.convictionsEvaluated)} convictions, ${h.determinations
    .filter((row) => row.count > 0)
    .map((row) => `${formatCount(row.count)} (${escapeHtml(row.share)}) are ${escapeHtml(row.words)}`)
    .join('; ') || 'none was evaluated'}.</p>
${determinations}
<div class="headline">
${boxes}
</div>
<p class="note">"No longer a felony": every felony of the person (any county) is dismissed or reduced. "No conviction left": every conviction
of the person is dismissed. "No conviction in the last 7 years": every conviction dated after ${escapeHtml(model.computeAt)} minus 7 years is dismissed.
Shares are rounded, but never to 0% or 100% unless exact.</p>
</section>`;
}

function sectionTable(model: ReportModel): string {
  const sections = [...new Set(model.bySectionAndDetermination.map((row) => row.section))];
  const determinations = model.determinations;
  const count = (section: string, determination: string) =>
    model.bySectionAndDetermination.find((row) => row.section === section && row.determination === determination)?.count ?? 0;
  const rows = sections.map((section) => [
    `HS ${escapeHtml(section)}`,
    ...determinations.map((d) => formatCount(count(section, d))),
    formatCount(determinations.reduce((sum, d) => sum + count(section, d), 0)),
  ]);
  const total = ['Total', ...determinations.map((d) => formatCount(model.byDetermination.find((row) => row.determination === d)?.count ?? 0)), formatCount(model.headline.convictionsEvaluated)];
  return table([['Section', false], ...determinations.map((d): [string, boolean] => [determinationLabel(d), true]), ['Total', true]], rows, total);
}

function funnelTable(model: ReportModel): string {
  const rows = model.funnel.map((step, i) => [
    String(i + 1),
    escapeHtml(step.ruleLabel),
    escapeHtml(step.reason),
    escapeHtml(determinationLabel(step.determination)),
    formatCount(step.entering),
    formatCount(step.count),
  ]);
  return table([['#', true], ['Rule', false], ['Reason', false], ['Determination', false], ['Undecided before', true], ['Decided here', true]], rows);
}

function decadeTable(model: ReportModel): string {
  const decades = [...new Set(model.byDecadeAndDetermination.map((row) => row.decade))];
  const determinations = model.determinations;
  const count = (decade: string, determination: string) =>
    model.byDecadeAndDetermination.find((row) => row.decade === decade && row.determination === determination)?.count ?? 0;
  const rows = decades.map((decade) => [
    escapeHtml(decade),
    ...determinations.map((d) => formatCount(count(decade, d))),
    formatCount(determinations.reduce((sum, d) => sum + count(decade, d), 0)),
  ]);
  return table([['Decade', false], ...determinations.map((d): [string, boolean] => [determinationLabel(d), true]), ['Total', true]], rows);
}

function whatIfTable(model: ReportModel): string {
  const rows = model.whatIf.map((row) => [
    `<span data-what-if="${escapeHtml(row.key)}">${escapeHtml(row.label)}</span>`,
    ...WHAT_IF_METRICS.map(([key]) => formatCount(row[key])),
    formatCount(row.convictionsDismissed),
    formatCount(row.convictionsReduced),
  ]);
  return `${table(
    [['Policy', false], ...WHAT_IF_METRICS.map(([, title]): [string, boolean] => [title, true]), ['Convictions dismissed', true], ['Convictions reduced', true]],
    rows,
  )}
<dl class="what-if">
${model.whatIf.map((row) => `<dt>${escapeHtml(row.label)}</dt><dd>${escapeHtml(row.explanation)}</dd>`).join('\n')}
</dl>`;
}

function demographicTable(title: string, suppressed: SuppressedTable): string {
  const rows = suppressed.cells.map((cell) => [
    escapeHtml(cell.label),
    cell.suppressed ? 'suppressed' : formatCount(cell.count!),
    cell.suppressed || cell.share === null ? '–' : `${cell.share}%`,
  ]);
  if (suppressed.suppressed !== null) {
    const s = suppressed.suppressed;
    rows.push([`Suppressed groups combined (${s.cells})`, formatCount(s.count), s.share === null ? '–' : `${s.share}%`]);
  }
  return table([[title, false], ['People', true], ['Share', true]], rows, ['Total', formatCount(suppressed.total), suppressed.total > 0 ? '100%' : '–']);
}

function demographicsSection(demographics: DemographicsReport, charts: Map<string, ChartSpec>, svgs: Map<string, string>): string {
  const parts: Array<[string, string, SuppressedTable]> = [
    ['race-ethnicity', 'Race/ethnicity', demographics.raceEthnicity],
    ['gender', 'Gender', demographics.gender],
    ['age-band', 'Age on the compute-at date', demographics.ageBand],
  ];
  const body =
    demographics.total === 0
      ? '<p>No one gets relief under the chosen policy, so there is nothing to break down.</p>'
      : parts
          .map(
            ([id, title, suppressed]) =>
              `<h3>${escapeHtml(title)}</h3>\n${figure(charts.get(id), svgs, `${title}: share of people relieved`)}\n${demographicTable(title, suppressed)}`,
          )
          .join('\n');
  return `<section id="demographics" class="long">
<h2>Who is relieved</h2>
<p>${formatCount(demographics.total)} ${escapeHtml(demographics.population)}, by race/ethnicity (as the DOJ extract records it), gender and age band.
Groups of fewer than ${demographics.suppressionThreshold} people are suppressed, and so are as many of the next smallest groups as it takes
for the suppressed groups together to count at least ${demographics.suppressionThreshold} people, so that no suppressed group can be worked out from the total.
Shares are whole percents of what is shown (largest remainder), and add up to 100%.</p>
${body}
</section>`;
}

/** What the kinds of change mean, in the report's words. */
const CHANGE_WORDS: Readonly<Record<ChangeKind, string>> = {
  new: 'in this extract, not in the previous run',
  'newly eligible': 'not eligible before (or not decided), eligible now',
  'no longer eligible': 'eligible before, not now',
  'determination changed': 'another determination, on the same side of eligibility',
  unchanged: 'the same determination',
  'gone from the extract': 'in the previous run, not in this extract (usually sealed or corrected at the DOJ)',
};

function sinceLastRunSection(model: ReportModel): string {
  const since = model.sinceLastRun;
  if (since === undefined) return '';
  if (since.changes === undefined) {
    return `<section id="since-last-run">
<h2>Since the last run</h2>
<p>Not compared with a previous run: ${escapeHtml(since.note ?? 'no previous run')}.</p>
</section>`;
  }
  const changes = since.changes;
  const rows = CHANGE_KINDS.map((kind) => [escapeHtml(kind), escapeHtml(CHANGE_WORDS[kind]), formatCount(changes[kind])]);
  return `<section id="since-last-run">
<h2>Since the last run</h2>
<p>Compared with run ${escapeHtml(since.previousRunId ?? '')} (eligibility as of ${escapeHtml(since.previousComputeAt ?? '')}, policy ${escapeHtml(since.previousPolicyName ?? '')}).
${since.policyChanged === true ? '<strong>This run applies another policy than that run: some changes come from the policy, not from the extract.</strong>' : 'The same policy.'}</p>
${table([['Change', false], ['Meaning', false], ['Convictions', true]], rows)}
<p>${formatCount(since.decisionsCarried ?? 0)} reviewer decisions carried forward (inputs unchanged: not on the review list again);
${formatCount(since.changedSinceDecided ?? 0)} decided convictions back on the review list because their inputs changed since they were decided.</p>
</section>`;
}

function dataQualitySection(model: ReportModel): string {
  const q = model.dataQuality;
  const rejects =
    q.rejectsByCode.length === 0
      ? '<p>No row was rejected.</p>'
      : table([['Reject code', false], ['Rows', true]], q.rejectsByCode.map((r) => [escapeHtml(r.code), formatCount(r.count)]));
  const malformed =
    q.malformedDates.length === 0
      ? '<p>No malformed date.</p>'
      : table([['Date with a malformed value', false], ['Count', true]], q.malformedDates.map((r) => [escapeHtml(DATE_FIELD_WORDS[r.field] ?? r.field), formatCount(r.count)]));
  const files = table(
    [['File', false], ['Rows read', true], ['Rejected', true], ['First line', false], ['Notes', false]],
    q.files.map((f) => [escapeHtml(f.name), formatCount(f.rowsRead), formatCount(f.rowsRejected), escapeHtml(f.header), escapeHtml(f.notes.join('; ') || '–')]),
  );
  return `<section id="data-quality">
<h2>Rejects and data quality</h2>
<p>${formatCount(q.rowsRead)} rows read, ${formatCount(q.rowsRejected)} rejected, ${formatCount(q.rowsWritten)} written, ${formatCount(q.blankLines)} blank lines skipped.
${formatCount(q.peopleWithRejectedRows)} people have rejected rows (their convictions go to hand review).
${model.demographics.unmappedRaceDescriptions === null ? `Fewer than ${model.demographics.suppressionThreshold}` : formatCount(model.demographics.unmappedRaceDescriptions)} people relieved have a recorded race/ethnicity outside the categories shown (counted as Unknown).</p>
<h3>Rejected rows by code</h3>
${rejects}
<h3>Malformed dates</h3>
<p class="note">Counted per conviction (date of conviction) and per person with convictions (date of birth); a malformed date never becomes a valid one: the conviction goes to hand review.</p>
${malformed}
<h3>Files</h3>
${files}
</section>`;
}

/**
 * The start of a self-contained page up to its <body>: no script, no outside resource (the Content-Security-Policy
 * allows inline styles and data: images only), `title` escaped here.
 */
export function htmlHead(title: string, style: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>`;
}

/** The page, with every chart rendered (or taken from `rendered`, charts rendered ahead: charts.ts). */
export async function renderReportHtml(model: ReportModel, rendered: ChartCache = new Map()): Promise<string> {
  const chartList = reportCharts(model);
  const charts = new Map(chartList.map((chart) => [chart.id, chart]));
  const svgs = new Map<string, string>();
  for (const chart of chartList) svgs.set(chart.id, await cachedSvg(chart, rendered));
  const title = `Prop 64 relief in ${model.county}`;
  const determinationNote = model.determinations.map((d) => determinationLabel(d)).join(', ');
  return `${htmlHead(title, STYLE)}
<body>
<header>
<h1>${escapeHtml(title)}</h1>
${model.generatedSample ? '<p class="sample" data-notice="generated-sample">A generated sample: these figures are of fabricated people, not of a county\'s records. Do not quote them.</p>\n' : ''}<p class="meta"><span data-date="data-as-of">Data as of ${model.dataAsOf === null ? 'unknown (no valid event date in the extract)' : escapeHtml(model.dataAsOf)}</span> (the latest event in the extract) · <span data-date="compute-at">eligibility computed as of ${escapeHtml(model.computeAt)}</span> (the compute-at date) · dates on this page are year-month-day · run ${escapeHtml(model.runId)} · policy ${escapeHtml(model.policyName)} · status ${escapeHtml(model.status)}.
Aggregates only: this page holds no name, date of birth, identifier or case number. Terms and codes are explained in the glossary at the end.</p>
<h3>Policy</h3>
<ul class="policy">
${model.policyLines.map((line) => `<li>${escapeHtml(line)}</li>`).join('\n')}
</ul>
</header>
${headline(model)}
${sinceLastRunSection(model)}
${REVIEW_SLOT_START}${REVIEW_SLOT_END}
<section id="by-section">
<h2>Convictions by section and determination</h2>
<p>Determinations in this run: ${escapeHtml(determinationNote || 'none')}.</p>
${figure(charts.get('by-section'), svgs, 'Evaluated Prop 64 convictions by code section and determination')}
${model.bySectionAndDetermination.length > 0 ? sectionTable(model) : '<p>No Prop 64 conviction in the county.</p>'}
</section>
<section id="funnel" class="long">
<h2>Reasons funnel</h2>
<p>The rules are tried in order and the first that applies decides. Each line shows how many convictions were still undecided when the rule was tried, and how many it decided.</p>
${figure(charts.get('funnel'), svgs, 'Reasons funnel, in rule order')}
${model.funnel.length > 0 ? funnelTable(model) : '<p>No conviction was evaluated.</p>'}
</section>
<section id="by-decade">
<h2>Convictions by decade</h2>
${figure(charts.get('by-decade'), svgs, 'Evaluated Prop 64 convictions by decade of conviction and determination')}
${model.byDecadeAndDetermination.length > 0 ? decadeTable(model) : '<p>No Prop 64 conviction in the county.</p>'}
</section>
<section id="what-if">
<h2>What-if comparison</h2>
<p>The same extract under other policies, computed in the same run. "Related" convictions are those the related-charges list names (647(F), 602, 466, 148.9, 148 PC, 11364, 11550 HS, 4140, 4149, 4060 BP, 40508 VC, 1320 PC) in the county.</p>
${figure(charts.get('what-if'), svgs, 'People relieved under each policy')}
${whatIfTable(model)}
</section>
${demographicsSection(model.demographics, charts, svgs)}
${dataQualitySection(model)}
<section id="glossary" class="long">
<h2>Glossary</h2>
<dl class="glossary">
${GLOSSARY.map((entry) => `<dt>${escapeHtml(entry.term)}</dt><dd>${escapeHtml(entry.meaning)}</dd>`).join('\n')}
</dl>
</section>
</body>
</html>
`;
}
