import { ApiProperty } from '@nestjs/swagger';
import { CheckpointResponseDto } from './checkpoint-response.dto';

export class ConsistencyProofResponseDto {
  @ApiProperty() fromSize!: number;
  @ApiProperty() toSize!: number;
  @ApiProperty() fromRoot!: string;
  @ApiProperty() toRoot!: string;
  @ApiProperty({ type: [String], description: 'hex RFC 6962 consistency proof' }) proof!: string[];
  @ApiProperty({ description: 'stored checkpoints of both sizes (null where none was made)' })
  checkpoints!: { from: CheckpointResponseDto | null; to: CheckpointResponseDto | null };
}
