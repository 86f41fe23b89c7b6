import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class DiffQueryDto {
  @ApiProperty({ format: 'uuid', description: 'The version to compare with (the "old" side of the diff).' })
  @IsUUID()
  against!: string;
}
