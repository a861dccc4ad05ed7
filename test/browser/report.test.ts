/**
 * report.html in a real browser: Debian's headless Chromium driven by playwright-core, JavaScript off and
 * every non-file request blocked, must show the headline numbers of summary.json and every chart; a
 * screenshot and a printed PDF are kept in test-artifacts/ (git-ignored). Skipped, saying why, when
 * /usr/bin/chromium is absent (.ci/run installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { extractText, generatedRows, ReportRun, runReport } from '../domain/report/report-fixture';
import { formatCount } from '../../lambdas/domain/report/html';

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
  let workDir: string;

  beforeAll(async () => {
    run = await runReport({
      files: [{ name: 'la.csv', content: extractText(generatedRows({ county: 'LOS ANGELES', people: 1200, seed: 23 })) }],
      county: 'LOS ANGELES',
      computeAt: '2020-07-01',
      policy: 'los-angeles-2020',
      scenarioPresets: ['dismiss-all'],
    });
    workDir = mkdtempSync(path.join(tmpdir(), 'report-browser-'));
    writeFileSync(path.join(workDir, 'report.html'), run.reportHtml);
  });

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
