/**
 * Unsigned S3 payloads against the S3 stand-in: one client made to send them, then every client of an S3Client
 * class; the stand-in stores the bodies intact, and a client left alone still hashes its bodies.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { sendUnsignedPayloads, sendUnsignedPayloadsFromEveryClient } from '../../local/s3-payload-signing';
import { localAwsConfig, startStandIns, type StandIns } from '../../local/stand-ins';
import { payloadHashSent } from '../helpers/payload-hash';

const HASH = /^[0-9a-f]{64}$/;

describe('unsigned S3 payloads', () => {
  let standIns: StandIns;
  const client = () => new S3Client(localAwsConfig(standIns.endpoints).s3);
  beforeAll(async () => {
    standIns = await startStandIns();
    const s3 = client();
    await s3.send(new CreateBucketCommand({ Bucket: 'payloads' }));
    s3.destroy();
  });
  afterAll(async () => {
    await standIns.stop();
  });

  it('go out for one client, then for every client of the class, whoever created it', async () => {
    expect(await payloadHashSent(client(), 'payloads')).toMatch(HASH);
    expect(await payloadHashSent(sendUnsignedPayloads(client()), 'payloads')).toBe('UNSIGNED-PAYLOAD');
    const before = client();
    sendUnsignedPayloadsFromEveryClient(S3Client);
    sendUnsignedPayloadsFromEveryClient(S3Client);
    expect(await payloadHashSent(before, 'payloads')).toBe('UNSIGNED-PAYLOAD');
    expect(await payloadHashSent(client(), 'payloads')).toBe('UNSIGNED-PAYLOAD');
  });
});
