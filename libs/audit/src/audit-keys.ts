import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * Loads an Ed25519 PUBLIC key from PEM (SPKI; a private key PEM yields its public half) or from a JWK
 * (JSON text or object, `{"kty":"OKP","crv":"Ed25519","x":…}`).
 */
export function loadAuditPublicKey(material: string | Buffer | Record<string, unknown>): KeyObject {
  let key: KeyObject;
  if (typeof material === 'object' && !Buffer.isBuffer(material)) {
    key = createPublicKey({ key: publicJwk(material), format: 'jwk' });
  } else {
    const text = material.toString().trim();
    if (text.startsWith('{')) {
      key = createPublicKey({ key: publicJwk(JSON.parse(text) as Record<string, unknown>), format: 'jwk' });
    } else if (text.includes('PRIVATE KEY')) {
      key = createPublicKey(createPrivateKey(text));
    } else {
      key = createPublicKey(text);
    }
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`audit keys are Ed25519, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

/** Loads an Ed25519 PRIVATE key from PKCS#8 PEM or a private JWK (with `d`). */
export function loadAuditPrivateKey(material: string | Buffer | Record<string, unknown>): KeyObject {
  let key: KeyObject;
  if (typeof material === 'object' && !Buffer.isBuffer(material)) {
    key = createPrivateKey({ key: material as import('node:crypto').JsonWebKey, format: 'jwk' });
  } else {
    const text = material.toString().trim();
    key = text.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(text) as import('node:crypto').JsonWebKey, format: 'jwk' })
      : createPrivateKey(text);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`audit keys are Ed25519, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

function publicJwk(jwk: Record<string, unknown>): import('node:crypto').JsonWebKey {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new TypeError('expected an Ed25519 JWK ({"kty":"OKP","crv":"Ed25519","x":…})');
  }
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of an Ed25519 key: the key id written into signatures. */
export function auditKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: 'jwk' });
  // Members in lexicographic order, no whitespace (RFC 7638 §3).
  const text = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(text).digest('base64url');
}
