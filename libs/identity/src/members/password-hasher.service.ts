import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

/** argon2id with OWASP's recommended minimum (19 MiB, t=2, p=1). */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher {
  /** Hash checked when no member matches, so unknown emails cost as much time as wrong passwords. */
  private dummyHash: Promise<string> | null = null;

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spends the time of one verification and always answers false. */
  async verifyNothing(password: string): Promise<false> {
    this.dummyHash ??= argon2.hash('mandate-timing-equaliser', OPTIONS);
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
