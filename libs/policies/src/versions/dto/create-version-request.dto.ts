import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class CreateVersionRequestDto {
  @ApiPropertyOptional({ maxLength: 1000, description: 'What changed (like a commit message).' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  message?: string;
}
