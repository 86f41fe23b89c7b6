import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@mandate/common';
import { Public } from '@mandate/identity';
import { GrantTokenService, type PublicGrantKey } from '../tokens/grant-token.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@ApiTags('grants')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly tokens: GrantTokenService) {}

  @Get('jwks.json')
  @Public()
  @Header('cache-control', 'public, max-age=60')
  @ApiOperation({
    summary: 'Public keys verifying an organisation’s grant tokens (RFC 7517 JWK Set)',
    description:
      'Active and retired keys still inside their verification period. Unknown organisations get an empty set.',
  })
  @ApiQuery({ name: 'org', description: 'Organisation id (the `org` claim of its grant tokens).' })
  @ApiOkResponse({ description: '`{"keys": [{kty, crv, x, kid, alg, use}]}`' })
  async jwks(@Query('org') org: unknown): Promise<{ keys: PublicGrantKey[] }> {
    if (typeof org !== 'string' || !UUID.test(org))
      throw new DomainError(ErrorCode.BadRequest, 'Give the organisation id as ?org=<uuid>', {
        field: 'org',
      });
    return { keys: await this.tokens.publicKeys(org.toLowerCase()) };
  }
}
