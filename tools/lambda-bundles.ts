/**
 * The handlers' bundles built as lib/clearance-function.ts has CDK build them (esbuild, CommonJS, minified, the AWS
 * SDK inside), one folder per phase (`<outdir>/<phase>/index.js`): for the bundle test and the init-time bench.
 */
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { LAMBDA_ESBUILD_ARGS, LAMBDA_MAIN_FIELDS, LAMBDA_NODE_TARGET } from '../lambdas/domain/defaults';

const ROOT = path.resolve(__dirname, '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '.');

export function buildLambdaBundles(phases: readonly string[], outdir: string): void {
  buildSync({
    entryPoints: phases.map((phase) => ({ in: path.join(ROOT, 'lambdas', phase, 'handler.ts'), out: `${phase}/index` })),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: LAMBDA_NODE_TARGET,
    minify: true,
    mainFields: LAMBDA_MAIN_FIELDS,
    // LAMBDA_ESBUILD_ARGS, as esbuild's API spells them.
    supported: { 'dynamic-import': LAMBDA_ESBUILD_ARGS['--supported:dynamic-import'] !== 'false' },
    logLevel: 'silent',
  });
}
