import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Failed-login counters per (organisation slug or '*', email, client IP), in fixed windows. */
@Entity({ name: 'identity_login_throttle' })
export class LoginThrottleEntity {
  /** SHA-256 of the bucket key, so emails and IPs are not stored in clear. */
  @PrimaryColumn({ name: 'bucket', type: 'text' })
  bucket!: string;

  @Column({ name: 'window_started_at', type: 'timestamptz' })
  windowStartedAt!: Date;

  @Column({ type: 'integer' })
  failures!: number;
}
