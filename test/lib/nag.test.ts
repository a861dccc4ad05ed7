/**
 * cdk-nag acknowledgements of wildcard resources (lib/nag.ts): one finding id per resource as cdk-nag flattens it,
 * so that another wildcard of the same policy is still reported; a resource without a wildcard is refused.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledgeWildcardResources, wildcardResourceFindingId } from '../../lib/nag';

describe('wildcard resource findings', () => {
  const stack = new Stack();
  const bucket = new s3.Bucket(stack, 'Data');
  const bucketId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);

  it('are named as cdk-nag names them: tokens as <Resource.Attribute>, literals as written', () => {
    expect(wildcardResourceFindingId(stack, `${bucket.bucketArn}/runs/*`)).toBe(`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/runs/*]`);
    expect(wildcardResourceFindingId(stack, 'arn:aws:logs:*:*:*')).toBe('AwsSolutions-IAM5[Resource::arn:aws:logs:*:*:*]');
  });

  it('refuse a resource with no wildcard', () => {
    expect(() => wildcardResourceFindingId(stack, bucket.bucketArn)).toThrow(`resource <${bucketId}.Arn> has no wildcard: there is no finding to acknowledge`);
  });

  it('are acknowledged once each, ids with a space as cdk-nag matches them', () => {
    const scope = new Stack();
    acknowledgeWildcardResources(scope, ['results/SUTTER/*', 'results/SUTTER/*', 'results/LOS ANGELES/*'], 'per county');
    const acknowledged = scope.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((entry) => entry.data as Record<string, string>);
    const ids = acknowledged.flatMap((data) => Object.keys(data));
    expect(ids).toContain('Annotation::AwsSolutions-IAM5[Resource::results/LOS ANGELES/*]');
    expect(ids.filter((id) => id.includes('results/SUTTER/*'))).toHaveLength(1);
    for (const data of acknowledged) expect(Object.values(data)).toEqual(['per county']);
  });
});
