import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';

/** Failed logins allowed per (email, client address) in one window before answering 429. */
export const LOGIN_MAX_FAILURES = 5;
/** Failed logins allowed per client address, whatever the email (password spraying). */
export const LOGIN_MAX_FAILURES_PER_ADDRESS = 50;
export const LOGIN_WINDOW_SECONDS = 15 * 60;

export interface ThrottleState {
  limited: boolean;
  retryAfterSeconds: number;
}

/**
 * Database-backed fixed-window limiter of failed logins, shared by every replica. Buckets are hashed
 * so that emails and addresses are not kept in clear.
 */
@Injectable()
export class LoginThrottle {
  constructor(private readonly dataSource: DataSource) {}

  /** Bucket of one email from one address (whatever the organisation slug, so it cannot be varied). */
  static emailBucket(email: string, ip: string): string {
    return createHash('sha256')
      .update(JSON.stringify(['email', email, ip]))
      .digest('hex');
  }

  /** Bucket of one address, all emails together. */
  static addressBucket(ip: string): string {
    return createHash('sha256')
      .update(JSON.stringify(['address', ip]))
      .digest('hex');
  }

  async check(bucket: string, maxFailures: number): Promise<ThrottleState> {
    const rows = await this.dataSource.query<{ failures: number; remaining: number }[]>(
      `SELECT failures,
              CEIL(EXTRACT(EPOCH FROM (window_started_at + make_interval(secs => $2) - now())))::int AS remaining
         FROM identity_login_throttle
        WHERE bucket = $1 AND window_started_at > now() - make_interval(secs => $2)`,
      [bucket, LOGIN_WINDOW_SECONDS],
    );
    const row = rows[0];
    if (row === undefined || row.failures < maxFailures) return { limited: false, retryAfterSeconds: 0 };
    return { limited: true, retryAfterSeconds: Math.max(1, row.remaining) };
  }

  async recordFailure(bucket: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO identity_login_throttle AS t (bucket, window_started_at, failures)
       VALUES ($1, now(), 1)
       ON CONFLICT (bucket) DO UPDATE SET
         failures = CASE WHEN t.window_started_at <= now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END,
         window_started_at = CASE WHEN t.window_started_at <= now() - make_interval(secs => $2) THEN now() ELSE t.window_started_at END`,
      [bucket, LOGIN_WINDOW_SECONDS],
    );
  }

  /** Forgets windows that ended long ago (called now and then by login, so the table stays small). */
  async purgeExpired(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM identity_login_throttle WHERE window_started_at < now() - make_interval(secs => $1)`,
      [LOGIN_WINDOW_SECONDS * 2],
    );
  }

  async reset(bucket: string): Promise<void> {
    await this.dataSource.query('DELETE FROM identity_login_throttle WHERE bucket = $1', [bucket]);
  }
}
