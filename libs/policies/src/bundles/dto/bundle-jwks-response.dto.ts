import { ApiProperty } from '@nestjs/swagger';
import type { BundlePublicJwk } from '../bundle-signing-keys';

export class BundleJwkDto {
  @ApiProperty({ enum: ['EC'] })
  kty!: 'EC';

  @ApiProperty({ enum: ['P-256'] })
  crv!: 'P-256';

  @ApiProperty()
  x!: string;

  @ApiProperty()
  y!: string;

  @ApiProperty({ description: 'RFC 7638 thumbprint; the `kid` of the signatures made with this key.' })
  kid!: string;

  @ApiProperty({ enum: ['ES256'] })
  alg!: 'ES256';

  @ApiProperty({ enum: ['sig'] })
  use!: 'sig';

  @ApiProperty({
    description: 'The same public key as PEM (SPKI), for the `keys` section of an OPA configuration.',
  })
  pem!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Set once rotated out.' })
  retiredAt!: string | null;

  static from(jwk: BundlePublicJwk): BundleJwkDto {
    return Object.assign(new BundleJwkDto(), jwk);
  }
}

export class BundleJwksResponseDto {
  @ApiProperty({ type: [BundleJwkDto], description: 'The active key first, then recently retired ones.' })
  keys!: BundleJwkDto[];
}

export class BundleKeyRotationResponseDto {
  @ApiProperty({ description: 'Id of the new active key.' })
  kid!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Id of the key it replaced (still published).' })
  retired!: string | null;
}
