import { ApiProperty } from '@nestjs/swagger';
import type { PolicyVersionDiff } from '../policy-version.service';
import { FileDiffResponseDto } from './file-diff-response.dto';

class VersionRefDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  number!: number;
}

export class VersionDiffResponseDto {
  @ApiProperty({ type: VersionRefDto, description: 'The old side (`?against=`).' })
  from!: VersionRefDto;

  @ApiProperty({ type: VersionRefDto, description: 'The new side (the version in the path).' })
  to!: VersionRefDto;

  @ApiProperty({ type: [FileDiffResponseDto] })
  files!: FileDiffResponseDto[];

  static from(diff: PolicyVersionDiff): VersionDiffResponseDto {
    const dto = new VersionDiffResponseDto();
    dto.from = { id: diff.from.id, number: diff.from.number };
    dto.to = { id: diff.to.id, number: diff.to.number };
    dto.files = diff.files.map((f) => ({ ...f }));
    return dto;
  }
}
