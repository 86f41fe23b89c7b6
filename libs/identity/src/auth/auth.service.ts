import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { DataSource } from 'typeorm';
import { permissionsForRoles } from '../access/permission';
import { ANONYMOUS_ACTOR, type Principal } from '../access/principal';
import { ApiKeyService } from '../api-keys/api-key.service';
import { looksLikeApiKey } from '../api-keys/api-key-codec';
import { MemberEntity } from '../members/member.entity';
import { normaliseEmail } from '../members/member.service';
import { PasswordHasher } from '../members/password-hasher.service';
import { OrganisationEntity } from '../organisations/organisation.entity';
import { IdentityEventType } from '../shared/identity-event-type';
import { IdentityEvents } from '../shared/identity-events';
import { AccessTokenService, type IssuedAccessToken } from './access-token.service';
import { bearerToken, type RequestWithHeaders } from './bearer-token';
import { LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_PER_ADDRESS, LoginThrottle } from './login-throttle.service';

export interface LoginInput {
  orgSlug?: string;
  email: string;
  password: string;
  ip: string;
  requestId?: string;
}

export interface LoginResult extends IssuedAccessToken {
  memberId: string;
  orgId: string;
}

const invalidCredentials = () =>
  new DomainError(ErrorCode.Unauthenticated, 'Invalid email, password or organisation');

/** Password login and bearer-token resolution. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly dataSource: DataSource,
    private readonly passwords: PasswordHasher,
    private readonly tokens: AccessTokenService,
    private readonly apiKeys: ApiKeyService,
    private readonly throttle: LoginThrottle,
    private readonly events: IdentityEvents,
  ) {}

  async login(input: LoginInput): Promise<LoginResult> {
    const email = normaliseEmail(input.email);
    const bucket = LoginThrottle.emailBucket(email, input.ip);
    const addressBucket = LoginThrottle.addressBucket(input.ip);
    const byEmail = await this.throttle.check(bucket, LOGIN_MAX_FAILURES);
    const byAddress = await this.throttle.check(addressBucket, LOGIN_MAX_FAILURES_PER_ADDRESS);
    const state = byEmail.limited ? byEmail : byAddress;
    if (state.limited) {
      // Logged, not published: throttled attempts are not credential checks, and publishing each one
      // would let a client grow the (append-only) event log without bound.
      this.logger.warn({ msg: 'login throttled', email, orgSlug: input.orgSlug ?? null, ip: input.ip });
      throw new DomainError(ErrorCode.RateLimited, 'Too many failed logins; try again later', {
        retryAfterSeconds: state.retryAfterSeconds,
      });
    }

    const candidates = await this.candidates(email, input.orgSlug);
    let matched: MemberEntity[] = [];
    if (candidates.length === 0) {
      await this.passwords.verifyNothing(input.password);
    } else {
      for (const candidate of candidates) {
        if (await this.passwords.verify(candidate.passwordHash, input.password)) matched.push(candidate);
      }
    }
    matched = matched.filter((member) => !member.disabled);
    const member = matched[0];
    if (member === undefined || matched.length > 1) {
      await this.throttle.recordFailure(bucket);
      await this.throttle.recordFailure(addressBucket);
      const orgId = candidates.length === 1 ? (candidates[0]?.orgId ?? null) : null;
      const reason =
        matched.length > 1
          ? 'ambiguous_organisation'
          : candidates.some((c) => c.disabled)
            ? 'disabled'
            : 'invalid_credentials';
      await this.failed(
        input,
        email,
        orgId,
        candidates.length === 1 ? (candidates[0]?.id ?? null) : null,
        reason,
      );
      if (matched.length > 1) {
        throw new DomainError(
          ErrorCode.Unauthenticated,
          'This email belongs to several organisations; give orgSlug',
          {
            field: 'orgSlug',
          },
        );
      }
      throw invalidCredentials();
    }

    await this.throttle.reset(bucket);
    if (Math.random() < 0.01) await this.throttle.purgeExpired();
    const issued = await this.tokens.issue({
      memberId: member.id,
      orgId: member.orgId,
      version: member.tokenVersion,
    });
    await this.dataSource.transaction(async (manager) => {
      await this.events.publish(manager, {
        type: IdentityEventType.LoginSucceeded,
        orgId: member.orgId,
        actor: { type: 'member', id: member.id },
        subject: { type: 'member', id: member.id },
        data: { email },
        ip: input.ip,
        requestId: input.requestId,
      });
    });
    this.logger.log({ msg: 'login succeeded', memberId: member.id, orgId: member.orgId, ip: input.ip });
    return { ...issued, memberId: member.id, orgId: member.orgId };
  }

  /** Resolves a bearer token (API key or member access token) to a Principal; null when not valid. */
  /**
   * The principal of a request's `Authorization` header (a bearer token, or an API key as a Basic
   * password; see bearerToken), or null. What the global AccessGuard authenticates with, also used by
   * routes served outside Nest's router (the decision route).
   */
  async authenticateRequest(request: RequestWithHeaders): Promise<Principal | null> {
    const token = bearerToken(request);
    return token === null ? null : this.authenticate(token);
  }

  async authenticate(token: string): Promise<Principal | null> {
    if (token.length === 0 || token.length > 4096) return null;
    if (looksLikeApiKey(token)) return this.apiKeys.authenticate(token);
    const claims = await this.tokens.verify(token);
    if (claims === null) return null;
    const member = await this.dataSource
      .getRepository(MemberEntity)
      .findOneBy({ id: claims.memberId, orgId: claims.orgId });
    if (member === null || member.disabled) return null;
    if (member.tokenVersion !== claims.version) return null;
    return {
      kind: 'member',
      orgId: member.orgId,
      memberId: member.id,
      apiKeyId: null,
      email: member.email,
      roles: [...member.roles],
      permissions: permissionsForRoles(member.roles),
    };
  }

  private async candidates(email: string, orgSlug: string | undefined): Promise<MemberEntity[]> {
    const query = this.dataSource
      .getRepository(MemberEntity)
      .createQueryBuilder('m')
      .where('m.email = :email', { email })
      .orderBy('m.created_at', 'ASC')
      .limit(20);
    if (orgSlug !== undefined) {
      query
        .innerJoin(OrganisationEntity, 'o', 'o.id = m.org_id')
        .andWhere('o.slug = :slug', { slug: orgSlug });
    }
    return query.getMany();
  }

  /** Logs and publishes a failed login. Never includes the password. */
  private async failed(
    input: LoginInput,
    email: string,
    orgId: string | null,
    memberId: string | null,
    reason: string,
  ) {
    this.logger.warn({
      msg: 'login failed',
      reason,
      email,
      orgSlug: input.orgSlug ?? null,
      ip: input.ip,
    });
    await this.dataSource.transaction(async (manager) => {
      await this.events.publish(manager, {
        type: IdentityEventType.LoginFailed,
        orgId,
        actor: ANONYMOUS_ACTOR,
        subject: memberId !== null ? { type: 'member', id: memberId } : null,
        data: { email, orgSlug: input.orgSlug ?? null, reason },
        ip: input.ip,
        requestId: input.requestId,
      });
    });
  }
}
