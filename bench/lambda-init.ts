/**
 * `npm run bench:init`: each Lambda bundle as CDK builds it (esbuild, CommonJS, minified, AWS SDK inside), its size,
 * and its init time: a fresh Node process loading the bundle, as Lambda's init phase does. Not a test: it prints
 * figures (median and range of several cold processes per bundle).
 *
 *   npm run bench:init                 every phase, 7 cold starts each
 *   npm run bench:init -- --runs 15    more cold starts per phase
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_MAX_PARTITIONS, DEFAULT_MAX_REJECT_RATIO, DEFAULT_PARTITION_BYTES, DEFAULT_RANGE_BYTES, METRICS_NAMESPACE, SERVICE_NAME,
} from '../lambdas/domain/defaults';
import { buildLambdaBundles } from '../tools/lambda-bundles';

const PHASES = ['plan', 'split', 'classify', 'assemble', 'mark-failed'] as const;
/** The environment each function gets from the stack (lib/workflow.ts), enough for its config to validate. */
const FUNCTION_ENV: NodeJS.ProcessEnv = {
  DATA_BUCKET: 'bench-bucket',
  LEDGER_TABLE: 'bench-ledger',
  MAX_PARTITIONS: String(DEFAULT_MAX_PARTITIONS),
  TARGET_RANGE_BYTES: String(DEFAULT_RANGE_BYTES),
  TARGET_PARTITION_BYTES: String(DEFAULT_PARTITION_BYTES),
  MAX_REJECT_RATIO: String(DEFAULT_MAX_REJECT_RATIO),
  AWS_REGION: 'us-west-2',
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  POWERTOOLS_TRACE_ENABLED: 'false',
};
/** Prints the milliseconds from process start to the end of loading the bundle (Lambda's init). */
const LOADER = `const t0 = performance.timeOrigin; require(process.argv[1]); process.stdout.write(String(Date.now() - t0));`;
const LOAD_ONLY = `const t = process.hrtime.bigint(); require(process.argv[1]); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeOnce(script: string, bundle: string, phase: string): number {
  const result = spawnSync(process.execPath, ['-e', script, bundle], {
    env: { PATH: process.env.PATH, ...FUNCTION_ENV, CLEARANCE_PHASE: phase },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`loading the ${phase} bundle failed: ${result.stderr.trim().split('\n')[0]}`);
  return Number(result.stdout);
}

export interface BundleInit {
  phase: string;
  kib: number;
  /** Process start to bundle loaded, ms: median, min, max. */
  initMs: number;
  minMs: number;
  maxMs: number;
  /** Loading the bundle alone, ms (median). */
  loadMs: number;
}

/** Builds each phase's bundle and times `runs` cold processes loading it; `bareMs`: a bare Node process. */
export function measureBundleInit(runs: number): { bareMs: number; bundles: BundleInit[] } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'clearance-bundles-'));
  try {
    buildLambdaBundles(PHASES, outdir);
    const bundles: BundleInit[] = [];
    const bare = median(Array.from({ length: runs }, () => timeOnce(`process.stdout.write(String(Date.now() - performance.timeOrigin))`, '', 'none')));
    for (const phase of PHASES) {
      const bundle = path.join(outdir, phase, 'index.js');
      const whole: number[] = [];
      const load: number[] = [];
      for (let i = 0; i < runs; i++) {
        whole.push(timeOnce(LOADER, bundle, phase));
        load.push(timeOnce(LOAD_ONLY, bundle, phase));
      }
      bundles.push({ phase, kib: statSync(bundle).size / 1024, initMs: median(whole), minMs: Math.min(...whole), maxMs: Math.max(...whole), loadMs: median(load) });
    }
    return { bareMs: bare, bundles };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The figures as a Markdown table, with a heading line. */
export function bundleInitTable(runs: number, measured: { bareMs: number; bundles: BundleInit[] }): string {
  const rows = [
    `Lambda bundle init, ${runs} cold processes each; a bare Node process starts in ${measured.bareMs.toFixed(0)} ms here`,
    '',
    `| phase | bundle | init: process start to handler loaded (median, range) | of which loading the bundle |`,
    `|---|---:|---:|---:|`,
  ];
  for (const b of measured.bundles) {
    rows.push(`| ${b.phase} | ${b.kib.toFixed(0)} KiB | ${b.initMs.toFixed(0)} ms (${b.minMs.toFixed(0)}-${b.maxMs.toFixed(0)}) | ${b.loadMs.toFixed(0)} ms |`);
  }
  return rows.join('\n');
}

if (require.main === module) {
  const runsFlag = process.argv.indexOf('--runs');
  const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 7;
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs: ${JSON.stringify(process.argv[runsFlag + 1])} is not a whole number >= 1`);
  process.stdout.write(`${bundleInitTable(runs, measureBundleInit(runs))}\n`);
}
