import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Body of approve / deny / cancel. */
export class VoteRequestDto {
  @ApiPropertyOptional({
    maxLength: 2000,
    description: 'Why (required when the request says reason_required).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}
