import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { NO_CONTROL } from './create-sandbox-profile-request.dto';

export class ReleaseQuarantineRequestDto {
  @ApiProperty({ description: 'Name of the quarantined MCP server.' })
  @IsString()
  @Length(1, 256)
  @Matches(NO_CONTROL)
  server!: string;
}
