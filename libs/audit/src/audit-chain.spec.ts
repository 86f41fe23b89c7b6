import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuditChain } from './audit-chain';
import { canonicalJson, GENESIS_HASH } from './audit-hash';
import { auditKeyId, loadAuditPrivateKey, loadAuditPublicKey } from './audit-keys';
import { signCheckpoint, verifyCheckpointSignature } from './checkpoint';
import { EventMasker } from './event-masker';
import { merkleRoot } from './merkle-tree';
import { ed25519KeyPair, sampleEvent } from './testing/audit-fixtures';

const ORG = 'org-1';

describe('AuditChain', () => {
  it('hashes exactly the documented event fields: leaf = SHA-256(0x00 ‖ JCS(event)), hash = SHA-256(prev ‖ leaf)', () => {
    const chain = new AuditChain(ORG);
    const first = chain.append({
      id: 'e1',
      org: ORG,
      time: '2026-11-23T10:00:00.123456Z',
      type: 'member.invited',
      actor: { type: 'member', id: 'u1' },
      data: { email: 'ann@example.com', token: 'abc' },
    });
    expect(first.event).toEqual({
      v: 1,
      seq: 1,
      id: 'e1',
      org: ORG,
      time: '2026-11-23T10:00:00.123Z',
      type: 'member.invited',
      actor: { type: 'member', id: 'u1' },
      subject: null,
      data: { email: 'ann@example.com', token: '[MASKED]' },
      masked: ['$.data.token'],
      requestId: null,
      ip: null,
    });
    // JCS: members sorted by code point, no whitespace.
    const text =
      '{"actor":{"id":"u1","type":"member"},"data":{"email":"ann@example.com","token":"[MASKED]"},' +
      '"id":"e1","ip":null,"masked":["$.data.token"],"org":"org-1","requestId":null,"seq":1,' +
      '"subject":null,"time":"2026-11-23T10:00:00.123Z","type":"member.invited","v":1}';
    expect(canonicalJson(first.event)).toBe(text);
    expect(first.canonical).toBe(text);
    const leaf = createHash('sha256')
      .update(Buffer.from([0]))
      .update(text, 'utf8')
      .digest();
    expect(first.leaf).toBe(leaf.toString('hex'));
    expect(first.hash).toBe(createHash('sha256').update(GENESIS_HASH).update(leaf).digest('hex'));

    const second = chain.append(sampleEvent(ORG, 2));
    expect(second.event.seq).toBe(2);
    const expected = createHash('sha256')
      .update(Buffer.from(first.hash, 'hex'))
      .update(Buffer.from(second.leaf, 'hex'))
      .digest('hex');
    expect(second.hash).toBe(expected);
  });

  it('resumes from a head exactly as if it had never stopped', () => {
    const whole = new AuditChain(ORG);
    const records = Array.from({ length: 23 }, (_, i) => whole.append(sampleEvent(ORG, i + 1)));
    const first = new AuditChain(ORG);
    for (let i = 0; i < 10; i += 1) first.append(sampleEvent(ORG, i + 1));
    const resumed = new AuditChain(ORG, { head: first.head() });
    const rest = Array.from({ length: 13 }, (_, i) => resumed.append(sampleEvent(ORG, i + 11)));
    expect(rest).toEqual(records.slice(10));
    expect(resumed.head()).toEqual(whole.head());
  });

  it('applies the configured masking before hashing', () => {
    const chain = new AuditChain(ORG, { masker: new EventMasker({ paths: ['$.data.arguments.path'] }) });
    const record = chain.append(sampleEvent(ORG, 5));
    expect(record.event.masked).toEqual(['$.data.arguments.password', '$.data.arguments.path']);
    expect(JSON.stringify(record)).not.toContain('hunter2');
  });

  it('rejects events of another organisation and invalid times', () => {
    const chain = new AuditChain(ORG);
    expect(() => chain.append(sampleEvent('org-2', 1))).toThrow(/org-2/);
    expect(() => chain.append({ ...sampleEvent(ORG, 1), time: 'yesterday' })).toThrow(RangeError);
    expect(chain.head().seq).toBe(0);
  });
});

describe('signed checkpoints', () => {
  it('signs the RFC 6962 root of the chain and verifies only with the right key and content', () => {
    const { privateKey, publicKey } = ed25519KeyPair();
    const chain = new AuditChain(ORG);
    const leaves = Array.from({ length: 9 }, (_, i) =>
      Buffer.from(chain.append(sampleEvent(ORG, i + 1)).leaf, 'hex'),
    );
    const checkpoint = chain.checkpoint(privateKey, new Date('2026-11-23T12:00:00Z'));
    expect(checkpoint).toMatchObject({
      org: ORG,
      treeSize: 9,
      rootHash: merkleRoot(leaves).toString('hex'),
      timestamp: '2026-11-23T12:00:00.000Z',
      keyId: auditKeyId(publicKey),
    });
    expect(verifyCheckpointSignature(checkpoint, publicKey)).toBe(true);
    expect(verifyCheckpointSignature({ ...checkpoint, treeSize: 8 }, publicKey)).toBe(false);
    expect(verifyCheckpointSignature({ ...checkpoint, org: 'org-2' }, publicKey)).toBe(false);
    const root = Buffer.from(checkpoint.rootHash, 'hex');
    root[0] ^= 1;
    expect(verifyCheckpointSignature({ ...checkpoint, rootHash: root.toString('hex') }, publicKey)).toBe(
      false,
    );
    expect(verifyCheckpointSignature(checkpoint, ed25519KeyPair().publicKey)).toBe(false);
    expect(() => signCheckpoint({ ...checkpoint, rootHash: 'nope' }, privateKey)).toThrow(TypeError);
  });
});

describe('audit keys', () => {
  it('loads public keys from SPKI PEM, JWK text and JWK objects, with the same RFC 7638 key id', () => {
    const { privateKey, publicKey } = ed25519KeyPair();
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const jwk = publicKey.export({ format: 'jwk' });
    const ids = [
      loadAuditPublicKey(pem),
      loadAuditPublicKey(JSON.stringify(jwk)),
      loadAuditPublicKey(jwk as Record<string, unknown>),
      loadAuditPublicKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    ].map(auditKeyId);
    expect(new Set(ids).size).toBe(1);
    // RFC 7638 by hand: SHA-256 of {"crv","kty","x"} in that order, base64url.
    const thumb = createHash('sha256')
      .update(`{"crv":"Ed25519","kty":"OKP","x":"${jwk.x}"}`)
      .digest('base64url');
    expect(ids[0]).toBe(thumb);
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(auditKeyId(loadAuditPrivateKey(pkcs8))).toBe(thumb);
  });

  it('refuses keys that are not Ed25519', () => {
    expect(() => loadAuditPublicKey({ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' })).toThrow(/Ed25519/);
  });
});
