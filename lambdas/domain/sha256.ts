/**
 * SHA-256 of latin-1 text (the extract's encoding), as hex: the digest behind conviction ids, person ids and the
 * register's input digests, computed once or twice per conviction. `crypto.hash` (Node 20.12+) digests in one call
 * without a Hash object, about three times faster than createHash on text this short; createHash where it is absent.
 */
import * as crypto from 'node:crypto';

const oneShot: typeof crypto.hash | undefined = typeof crypto.hash === 'function' ? crypto.hash : undefined;

export function sha256Latin1Hex(text: string): string {
  const bytes = Buffer.from(text, 'latin1');
  return oneShot === undefined ? crypto.createHash('sha256').update(bytes).digest('hex') : oneShot('sha256', bytes, 'hex');
}
