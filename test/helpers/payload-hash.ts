import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** The payload hash a PutObject of `client` was signed with; the object is read back intact. */
export async function payloadHashSent(client: S3Client, bucket: string): Promise<string | undefined> {
  let payloadHash: string | undefined;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      // After signing: the payload hash the request was signed with.
      if (context.commandName === 'PutObjectCommand') payloadHash = (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'];
      return next(args);
    },
    { step: 'deserialize', name: 'capturePayloadHash' },
  );
  const body = Buffer.from('RECORD_ID,SUBJECT_ID\n'.repeat(100));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'runs/env/payload', Body: body }));
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'runs/env/payload' }));
  const intact = Buffer.from(await response.Body!.transformToByteArray()).equals(body);
  client.destroy();
  if (!intact) throw new Error('the object was not stored intact');
  return payloadHash;
}
