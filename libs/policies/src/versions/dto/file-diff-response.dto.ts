import { ApiProperty } from '@nestjs/swagger';

export class FileDiffResponseDto {
  @ApiProperty()
  file!: string;

  @ApiProperty({ enum: ['added', 'removed', 'modified', 'unchanged'] })
  status!: 'added' | 'removed' | 'modified' | 'unchanged';

  @ApiProperty({ description: 'Unified diff (empty when unchanged).' })
  patch!: string;
}
