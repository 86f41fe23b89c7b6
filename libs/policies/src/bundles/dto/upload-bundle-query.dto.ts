import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class UploadBundleQueryDto {
  @ApiPropertyOptional({ maxLength: 1000, description: 'Message recorded with the new version.' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  message?: string;
}
