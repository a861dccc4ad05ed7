/**
 * report.html in a real browser: Debian's headless Chromium driven by playwright-core, JavaScript off and
 * every non-file request blocked, must show the headline numbers of summary.json (every determination with its
 * count, no share of 100% when some got no relief) and every chart; a
 * screenshot and a printed PDF are kept in test-artifacts/ (git-ignored). Skipped, saying why, when
 * /usr/bin/chromium is absent (.ci/run installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { extractText, generatedRows, ReportRun, runReport } from '../domain/report/report-fixture';
import { formatCount } from '../../lambdas/domain/report/html';
import { DETERMINATION_ORDER } from '../../lambdas/domain/report/model';
import type { Summary } from '../../lambdas/domain/summary';
import type { BrowserContext } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(`test/browser/report.test.ts skipped: ${CHROMIUM} not found (install Debian's chromium; .ci/run does)`);
}
const describeInBrowser = available ? describe : describe.skip;

describeInBrowser(`report.html in headless Chromium (${available ? CHROMIUM : `skipped: ${CHROMIUM} not found`})`, () => {
  let run: ReportRun;
  /** Nearly everyone relieved: the share must not round up to 100%. */
  let dismissAll: ReportRun;
  let workDir: string;

  beforeAll(async () => {
    run = await runReport({
      files: [{ name: 'la.csv', content: extractText(generatedRows({ county: 'LOS ANGELES', people: 1200, seed: 23 })) }],
      county: 'LOS ANGELES',
      computeAt: '2020-07-01',
      policy: 'los-angeles-2020',
      scenarioPresets: ['dismiss-all'],
    });
    dismissAll = await runReport({
      files: [{ name: 'la.csv', content: extractText(generatedRows({ county: 'LOS ANGELES', people: 1200, seed: 23 })) }],
      county: 'LOS ANGELES',
      computeAt: '2020-07-01',
      policy: 'dismiss-all',
    });
    workDir = mkdtempSync(path.join(tmpdir(), 'report-browser-'));
    writeFileSync(path.join(workDir, 'report.html'), run.reportHtml);
    writeFileSync(path.join(workDir, 'dismiss-all.html'), dismissAll.reportHtml);
  });

  async function openPage(file: string): Promise<{ context: BrowserContext; page: Awaited<ReturnType<BrowserContext['newPage']>> }> {
    const context = await chromium.launchPersistentContext(path.join(workDir, `profile-${path.basename(file, '.html')}`), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      javaScriptEnabled: false,
      viewport: { width: 1000, height: 1400 },
    });
    await context.route('**/*', (route) => (route.request().url().startsWith('file://') ? route.continue() : route.abort()));
    const page = await context.newPage();
    await page.goto(`file://${path.join(workDir, file)}`, { waitUntil: 'load' });
    return { context, page };
  }

  test.each([
    ['los-angeles-2020 (city attorney referrals, hand review)', 'report.html', () => run.summary],
    ['dismiss-all (nearly everyone relieved)', 'dismiss-all.html', () => dismissAll.summary],
  ] as Array<[string, string, () => Summary]>)(
    'the headline of %s gives every determination with the count of summary.json, and no 100%% share when some got no relief',
    async (_, file, summaryOf) => {
      const summary = summaryOf();
      const { context, page } = await openPage(file);
      try {
        const headline = page.locator('#headline');
        await expect(headline.isVisible()).resolves.toBe(true);
        for (const determination of DETERMINATION_ORDER) {
          const count = headline.locator(`[data-count="${determination}"]`);
          expect({ determination, visible: await count.isVisible(), text: await count.textContent() }).toEqual({
            determination,
            visible: true,
            text: formatCount(summary.convictionsByDetermination[determination] ?? 0),
          });
        }
        const text = (await headline.locator('[data-headline-text]').textContent())!.replace(/\s+/g, ' ');
        const relieved = summary.subjectsWithSomeReliefCount;
        const people = summary.subjectsWithProp64ConvictionCountInCounty;
        expect(text).toContain(`Of ${formatCount(people)} people with a Prop 64 conviction`);
        expect(text).toContain(`${formatCount(relieved)} (`);
        expect(text).toContain(`${formatCount(people - relieved)} get none`);
        if (relieved < people) {
          expect(people - relieved).toBeGreaterThan(0);
          expect(text).not.toMatch(new RegExp(`${formatCount(relieved)} \\(100%\\)`));
          const shares = await headline.locator('td').allTextContents();
          // a share column: only the total row may read 100%
          expect(shares.filter((cell) => cell === '100%')).toHaveLength(1);
        }
        // What happens next, for each determination; the glossary explains hand review.
        expect(await headline.locator('tbody tr').count()).toBe(DETERMINATION_ORDER.length + 1);
        // The extract's date and the compute-at date, shown in one format.
        expect(summary.dataAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(await page.locator('[data-date="data-as-of"]').textContent()).toBe(`Data as of ${summary.dataAsOf}`);
        expect(await page.locator('[data-date="compute-at"]').textContent()).toBe(`eligibility computed as of ${summary.computeAt}`);
        expect(await page.locator('#glossary dt', { hasText: 'Hand Review' }).count()).toBe(1);
      } finally {
        await context.close();
      }
    },
  );

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test('shows the headline numbers and every chart, with no script and no network; prints', async () => {
    const context = await chromium.launchPersistentContext(path.join(workDir, 'profile'), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      javaScriptEnabled: false, // the page must need none
      viewport: { width: 1000, height: 1400 },
    });
    const requests: string[] = [];
    try {
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file://')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      await page.goto(`file://${path.join(workDir, 'report.html')}`, { waitUntil: 'load' });

      const s = run.summary;
      const expected: Record<string, number> = {
        peopleWithSomeRelief: s.subjectsWithSomeReliefCount,
        peopleNoFelony: s.reliefWithCurrentEligibilityChoices.CountSubjectsNoFelony,
        peopleNoConviction: s.reliefWithCurrentEligibilityChoices.CountSubjectsNoConviction,
        peopleNoConvictionLast7Years: s.reliefWithCurrentEligibilityChoices.CountSubjectsNoConvictionLast7Years,
      };
      for (const [key, value] of Object.entries(expected)) {
        const number = page.locator(`[data-headline="${key}"] .number`);
        await expect(number.isVisible()).resolves.toBe(true);
        expect(await number.textContent()).toBe(formatCount(value));
      }

      const chartIds = await page.locator('figure.chart').evaluateAll((figures) => figures.map((f) => f.getAttribute('data-chart')));
      expect(chartIds.length).toBeGreaterThanOrEqual(7);
      expect(chartIds).toEqual(expect.arrayContaining(['by-section', 'funnel', 'by-decade', 'what-if', 'race-ethnicity', 'gender', 'age-band']));
      const svgs = page.locator('figure.chart svg');
      expect(await svgs.count()).toBe(chartIds.length);
      for (let i = 0; i < chartIds.length; i++) {
        const svg = svgs.nth(i);
        await svg.scrollIntoViewIfNeeded();
        expect(await svg.isVisible()).toBe(true);
        const box = await svg.boundingBox();
        expect(box!.width).toBeGreaterThan(200);
        expect(box!.height).toBeGreaterThan(60);
        // drawn: bars (paths) are inside
        expect(await svg.locator('path').count()).toBeGreaterThan(3);
      }

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
      const pdf = await page.pdf({ format: 'Letter', printBackground: true });
      writeFileSync(path.join(ARTIFACTS, 'report.pdf'), pdf);
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(existsSync(path.join(ARTIFACTS, 'report.png'))).toBe(true);
      expect(requests).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
