import { Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@mandate/common';
import { DomainEventPublisher } from '@mandate/events';
import { actorOf, CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import type { FastifyReply } from 'fastify';
import { CurrentRequestMeta } from '../shared/request-meta.decorator';
import type { RequestMeta } from '../shared/request-meta';
import { BundleSigningKeys } from './bundle-signing-keys';
import {
  BundleJwkDto,
  BundleJwksResponseDto,
  BundleKeyRotationResponseDto,
} from './dto/bundle-jwks-response.dto';
import { BundleQueryDto } from './dto/bundle-query.dto';
import { MAX_BUNDLE_WAIT_SECONDS, PolicyBundleServer } from './policy-bundle-server.service';

/** Content type OPA recognises as "this server supports long polling". */
export const OPA_LONG_POLL_CONTENT_TYPE = 'application/vnd.openpolicyagent.bundles';
/** Domain event of a bundle key rotation. */
export const BUNDLE_KEY_ROTATED_EVENT = 'policy.bundle_key_rotated';

/**
 * The bundle API for gateways and OPA agents that evaluate locally: the organisation's active policy as a
 * signed OPA bundle (ETag / 304, long polling), the public keys that verify it, and key rotation.
 */
@ApiTags('bundles')
@ApiBearerAuth()
@ApiParam({ name: 'id', description: 'The organisation id (the caller’s own; any other answers 404)' })
@Controller('v1/bundles/:id')
export class BundleServeController {
  constructor(
    private readonly bundles: PolicyBundleServer,
    private readonly keys: BundleSigningKeys,
    private readonly publisher: DomainEventPublisher,
  ) {}

  @Get()
  @RequirePermission('decisions:evaluate')
  @ApiOperation({
    summary: "The organisation's active policy as a signed OPA bundle (.tar.gz)",
    description:
      'Files: `/.manifest` (revision, Wasm entrypoint `mandate/decision`), `/policy.wasm`, `/data.json`, `/.signatures.json` (ES256 JWT, keys at `/v1/bundles/{org}/keys`). Send `If-None-Match` with the last ETag for a 304; add `?wait=N` or `Prefer: wait=N` (≤ 60 s) to long-poll until a new revision is active.',
  })
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiHeader({ name: 'Prefer', required: false, description: '`wait=N`: long poll (OPA agents send it)' })
  @ApiProduces('application/gzip', OPA_LONG_POLL_CONTENT_TYPE)
  @ApiOkResponse({ description: 'The bundle', schema: { type: 'string', format: 'binary' } })
  @ApiNotModifiedResponse({ description: 'The bundle named by If-None-Match is still current' })
  async bundle(
    @CurrentPrincipal() principal: Principal,
    @Param('id') org: string,
    @Query() query: BundleQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const orgId = this.ownOrg(principal, org);
    const wait = query.wait ?? preferredWait(prefer);
    const contentType = wait === undefined ? 'application/gzip' : OPA_LONG_POLL_CONTENT_TYPE;
    void reply.header('cache-control', 'private, no-cache');
    if (ifNoneMatch !== undefined) {
      const etag = await this.bundles.currentEtag(orgId);
      if (matches(ifNoneMatch, etag)) {
        const changed =
          wait !== undefined && wait > 0
            ? await this.bundles.waitForChange(orgId, etag, wait, abortOnClose(reply))
            : false;
        if (!changed) {
          await reply.code(304).header('etag', etag).header('content-type', contentType).send();
          return;
        }
      }
    }
    const served = await this.bundles.bundle(orgId);
    await reply
      .code(200)
      .header('etag', served.etag)
      .header('x-mandate-policy-revision', String(served.revision))
      .header('content-type', contentType)
      .send(served.body);
  }

  @Get('keys')
  @RequirePermission('decisions:evaluate')
  @ApiOperation({
    summary: 'JWKS of the keys that sign the organisation’s bundles (active first, then retired)',
  })
  @ApiOkResponse({ type: BundleJwksResponseDto })
  async jwks(
    @CurrentPrincipal() principal: Principal,
    @Param('id') org: string,
  ): Promise<BundleJwksResponseDto> {
    const orgId = this.ownOrg(principal, org);
    await this.keys.signingKey(orgId); // the first key exists before anyone asks for a bundle
    return { keys: (await this.keys.publicKeys(orgId)).map((jwk) => BundleJwkDto.from(jwk)) };
  }

  @Post('keys/rotate')
  @HttpCode(200)
  @RequirePermission('org:write')
  @ApiOperation({
    summary:
      'Rotate the bundle signing key: new bundles are signed with a new key; the old one stays published',
  })
  @ApiOkResponse({ type: BundleKeyRotationResponseDto })
  async rotate(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Param('id') org: string,
  ): Promise<BundleKeyRotationResponseDto> {
    const orgId = this.ownOrg(principal, org);
    return this.keys.rotate(orgId, async (manager, rotated) => {
      await this.publisher.publish(manager, {
        type: BUNDLE_KEY_ROTATED_EVENT,
        orgId,
        actor: actorOf(principal),
        subject: { type: 'policy_bundle_key', id: rotated.kid },
        data: { kid: rotated.kid, retired: rotated.retired },
        requestId: meta.requestId,
        ip: meta.ip,
      });
    });
  }

  /** Only the caller's own organisation exists here: any other id (or a non-id) is a 404. */
  private ownOrg(principal: Principal, org: string): string {
    if (org !== principal.orgId) throw new DomainError(ErrorCode.NotFound, 'Organisation not found');
    return principal.orgId;
  }
}

/** `Prefer: wait=N` (RFC 7240), as OPA sends it for long polling; capped. */
function preferredWait(prefer: string | undefined): number | undefined {
  const match = /(?:^|[,;\s])wait\s*=\s*(\d{1,6})(?:$|[,;\s])/i.exec(prefer ?? '');
  if (!match) return undefined;
  return Math.min(Number(match[1]), MAX_BUNDLE_WAIT_SECONDS);
}

/** RFC 9110 If-None-Match against one strong ETag (weak comparison, `*` matches). */
function matches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return controller.signal;
}
