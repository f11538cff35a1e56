// A minimal self-signed X.509 certificate builder (DER by hand, signed with node:crypto), so tests can give
// JWKS keys an `x5c` chain without openssl or a certificate library.
import { createHash, type KeyObject, sign } from 'node:crypto';

function length(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size]);
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const sequence = (...items: Buffer[]) => tlv(0x30, ...items);

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) chunk.unshift((value & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

const name = (cn: string) => sequence(tlv(0x31, sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
const utcTime = (date: Date) =>
  tlv(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`, 'ascii'));

/** A self-signed certificate (DER) for `publicKey`, signed by `privateKey` (RSA or EC, SHA-256). */
export function selfSignedCertificate(publicKey: KeyObject, privateKey: KeyObject, cn = 'ciam-gateway test'): Buffer {
  const isEc = privateKey.asymmetricKeyType === 'ec';
  const algorithm = isEc
    ? sequence(oid('1.2.840.10045.4.3.2'))
    : sequence(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, Buffer.from([1])),
    algorithm,
    name(cn),
    sequence(utcTime(new Date(Date.UTC(2025, 0, 1))), utcTime(new Date(Date.UTC(2035, 0, 1)))),
    name(cn),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  return sequence(tbs, algorithm, tlv(0x03, Buffer.from([0]), signature));
}

/** `x5c`, `x5t` and `x5t#S256` JWK members for a certificate. */
export function x5cMembers(der: Buffer): { x5c: string[]; x5t: string; 'x5t#S256': string } {
  return {
    x5c: [der.toString('base64')],
    x5t: createHash('sha1').update(der).digest('base64url'),
    'x5t#S256': createHash('sha256').update(der).digest('base64url'),
  };
}
