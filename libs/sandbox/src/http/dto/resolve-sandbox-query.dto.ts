import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { NO_CONTROL } from './create-sandbox-profile-request.dto';

export class ResolveSandboxQueryDto {
  @ApiProperty({ description: 'Name of the MCP server (as the gateway names it in decisions).' })
  @IsString()
  @Length(1, 256)
  @Matches(NO_CONTROL)
  server!: string;
}
