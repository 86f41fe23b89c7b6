import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CheckpointResponseDto } from './checkpoint-response.dto';

export class InclusionProofResponseDto {
  @ApiProperty() seq!: number;
  @ApiProperty() treeSize!: number;
  @ApiProperty({ description: 'hex leaf hash of event seq' }) leafHash!: string;
  @ApiProperty({ description: 'hex root of the tree of treeSize events' }) rootHash!: string;
  @ApiProperty({ type: [String], description: 'hex RFC 6962 audit path of leaf index seq − 1' })
  proof!: string[];
  @ApiPropertyOptional({ type: CheckpointResponseDto, nullable: true })
  checkpoint!: CheckpointResponseDto | null;
}
