import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for each given wildcard resource on `scope`
 * (and only those): the finding id carries the resource as cdk-nag flattens it, e.g.
 * `AwsSolutions-IAM5[Resource::<DataBucket1234.Arn>/runs/*]`, so a new wildcard elsewhere in the
 * same policy is still reported.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  for (const resource of new Set(resources)) {
    const id = wildcardResourceFindingId(scope, resource);
    if (id.includes(' ')) {
      // Validations.acknowledge writes a space of the id as '-', but cdk-nag matches the finding's own id (with the
      // space: `results/LOS ANGELES/*`); the acknowledgement is recorded as acknowledge records it, id unchanged.
      scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [`Annotation::${id}`]: reason });
    } else {
      Validations.of(scope).acknowledge({ id, reason });
    }
  }
}

/** The AwsSolutions-IAM5 finding id of one wildcard resource (a literal or a token string). */
export function wildcardResourceFindingId(scope: IConstruct, resource: string): string {
  const flat = flattenReference(Stack.of(scope).resolve(resource));
  if (!flat.includes('*')) {
    throw new Error(`resource ${flat} has no wildcard: there is no finding to acknowledge`);
  }
  return `AwsSolutions-IAM5[Resource::${flat}]`;
}

/** Renders a resolved CloudFormation value the way cdk-nag names it in finding ids. */
function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (isIntrinsic(node, 'Fn::Join')) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (isIntrinsic(node, 'Fn::Sub')) return flattenReference(node['Fn::Sub']);
  if (isIntrinsic(node, 'Fn::GetAtt')) {
    const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (isIntrinsic(node, 'Fn::ImportValue')) return flattenReference(node['Fn::ImportValue']);
  if (isIntrinsic(node, 'Ref')) return `<${flattenReference(node.Ref)}>`;
  return JSON.stringify(node);
}

function isIntrinsic<K extends string>(node: unknown, key: K): node is Record<K, unknown> {
  return typeof node === 'object' && node !== null && key in node;
}
