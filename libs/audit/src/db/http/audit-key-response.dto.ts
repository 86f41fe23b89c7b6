import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** An audit signing public key as a JWK (RFC 7517 / RFC 8037). */
export class AuditKeyResponseDto {
  @ApiProperty({ example: 'OKP' }) kty!: 'OKP';
  @ApiProperty({ example: 'Ed25519' }) crv!: 'Ed25519';
  @ApiProperty({ description: 'base64url public key' }) x!: string;
  @ApiProperty({ description: 'RFC 7638 thumbprint' }) kid!: string;
  @ApiProperty({ example: 'EdDSA' }) alg!: 'EdDSA';
  @ApiProperty({ example: 'sig' }) use!: 'sig';
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true }) retiredAt!: string | null;
}
