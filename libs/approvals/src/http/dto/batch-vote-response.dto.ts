import { ApiProperty } from '@nestjs/swagger';

export class BatchVoteItemDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: 'true when the vote was recorded' })
  ok!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'State after the vote, when recorded.' })
  state!: string | null;

  @ApiProperty({ type: Object, nullable: true, description: '`{code, message}` when refused.' })
  error!: { code: string; message: string } | null;
}

export class BatchVoteResponseDto {
  @ApiProperty({ type: [BatchVoteItemDto] })
  results!: BatchVoteItemDto[];
}
