import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@mandate/config';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditSigningUnavailableError } from './audit-error';
import { AuditMasterKey, MASTER_KEY_FILE } from './audit-master-key';
import { decrypt, encrypt } from './audit-signing-keys';

describe('AuditMasterKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-master-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses MANDATE_MASTER_KEY when set', () => {
    const key = randomBytes(32);
    const config = loadConfig({ MANDATE_MASTER_KEY: key.toString('base64'), MANDATE_DATA_DIR: dir });
    expect(new AuditMasterKey(config).require().equals(key)).toBe(true);
  });

  it('rejects a master key that is not 32 bytes of base64 at config validation, without echoing it', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => loadConfig({ MANDATE_MASTER_KEY: short })).toThrow(/MANDATE_MASTER_KEY/);
    try {
      loadConfig({ MANDATE_MASTER_KEY: short });
    } catch (error) {
      expect(String(error)).not.toContain(short);
    }
  });

  it('refuses to sign with DATABASE_URL and no key, saying how to fix it', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1/db', MANDATE_DATA_DIR: dir });
    const master = new AuditMasterKey(config);
    expect(master.get()).toBeNull();
    expect(() => master.require()).toThrow(AuditSigningUnavailableError);
    expect(() => master.require()).toThrow(/MANDATE_MASTER_KEY/);
  });

  it('generates one key (mode 0600) in the data folder of an embedded database and keeps it', () => {
    const dataDir = join(dir, 'embedded');
    const first = new AuditMasterKey(loadConfig({ MANDATE_DATA_DIR: dataDir })).require();
    const file = join(dataDir, MASTER_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first)).toBe(true);
    const second = new AuditMasterKey(loadConfig({ MANDATE_DATA_DIR: dataDir })).require();
    expect(second.equals(first)).toBe(true);
  });
});

describe('signing key encryption (AES-256-GCM)', () => {
  const master = randomBytes(32);
  const secret = Buffer.from('private key bytes');

  it('round-trips and never contains the plaintext', () => {
    const sealed = encrypt(master, secret, Buffer.from('org-a'));
    expect(sealed.includes(secret)).toBe(false);
    expect(decrypt(master, sealed, Buffer.from('org-a')).equals(secret)).toBe(true);
  });

  it('fails with another master key, another org binding or a flipped bit', () => {
    const sealed = encrypt(master, secret, Buffer.from('org-a'));
    expect(() => decrypt(randomBytes(32), sealed, Buffer.from('org-a'))).toThrow();
    expect(() => decrypt(master, sealed, Buffer.from('org-b'))).toThrow();
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] ^= 1;
    expect(() => decrypt(master, flipped, Buffer.from('org-a'))).toThrow();
  });
});
