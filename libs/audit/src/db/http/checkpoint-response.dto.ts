import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A signed tree head (see docs/adr/0004-audit-hash-chain.md). */
export class CheckpointResponseDto {
  @ApiPropertyOptional({ nullable: true, description: 'Organisation id (null for the system chain)' })
  org!: string | null;
  @ApiProperty() treeSize!: number;
  @ApiProperty({ description: 'hex RFC 6962 Merkle tree hash of events 1…treeSize' }) rootHash!: string;
  @ApiProperty({ description: 'RFC 3339 time of signing' }) timestamp!: string;
  @ApiProperty({ description: 'RFC 7638 thumbprint of the signing key' }) keyId!: string;
  @ApiProperty({ description: 'base64 Ed25519 signature' }) signature!: string;
}
