import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@mandate/config';
import { AuditSigningUnavailableError } from './audit-error';

/** File (in MANDATE_DATA_DIR) holding the generated master key of an embedded installation. */
export const MASTER_KEY_FILE = 'audit-master.key';

/**
 * The 32-byte master key that encrypts organisations' signing keys (AES-256-GCM). From
 * MANDATE_MASTER_KEY; when unset and the database is embedded, generated once into the data folder with
 * mode 0600 (and read from there afterwards); when unset with DATABASE_URL, absent: signing is refused
 * (see docs/adr/0005-audit-signing-keys.md).
 */
@Injectable()
export class AuditMasterKey {
  private readonly logger = new Logger('AuditMasterKey');
  private key: Buffer | null | undefined;

  constructor(private readonly config: AppConfig) {}

  /** The key, or null when none is configured (signing unavailable). */
  get(): Buffer | null {
    if (this.key === undefined) this.key = this.resolve();
    return this.key;
  }

  require(): Buffer {
    const key = this.get();
    if (!key) throw new AuditSigningUnavailableError();
    return key;
  }

  private resolve(): Buffer | null {
    if (this.config.masterKey) return decode(this.config.masterKey, 'MANDATE_MASTER_KEY');
    if (this.config.databaseUrl) {
      this.logger.warn(
        'MANDATE_MASTER_KEY is not set: audit events are chained but checkpoints and export manifests cannot be signed',
      );
      return null;
    }
    mkdirSync(this.config.dataDir, { recursive: true });
    const file = join(this.config.dataDir, MASTER_KEY_FILE);
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      this.logger.log(`generated the audit master key in ${file} (mode 0600): back it up`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return decode(readFileSync(file, 'utf8').trim(), file);
  }
}

function decode(text: string, where: string): Buffer {
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32 || key.toString('base64') !== text) {
    throw new Error(`${where} must hold the base64 encoding of exactly 32 bytes`);
  }
  return key;
}
