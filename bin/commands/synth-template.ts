/**
 * The stack's CloudFormation template, synthesized in this process without bundling (the local runtime runs the
 * compiled handlers from dist/, not the bundles). The same construct the deployment uses, so the local run executes
 * the real state machine, the real EventBridge pattern and the functions' real environment.
 */
import { App } from 'aws-cdk-lib';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClearanceStack, ClearanceStackProps } from '../../lib/clearance-stack';
import { DEFAULT_STACK_NAME } from '../../lambdas/domain/defaults';

export function synthTemplate(props: ClearanceStackProps = {}): Record<string, unknown> {
  // No built-in CloudFormation validation here: it only reports (never changes the template), and it is most of a
  // local synth (about 2 of 2.5 s, a WebAssembly rule engine). Deployment synths (bin/app.ts, `cdk synth`) and the
  // stack's tests (test/lib) still run it.
  // The cloud assembly is written to a folder of its own, removed once the template is read: nothing is left behind.
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'cdk.out-clearance-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
    new ClearanceStack(app, DEFAULT_STACK_NAME, { env: { account: '000000000000', region: 'us-east-1' }, ...props });
    return app.synth().getStackByName(DEFAULT_STACK_NAME).template as Record<string, unknown>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
