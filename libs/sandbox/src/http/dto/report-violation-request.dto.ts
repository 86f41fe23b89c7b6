import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import {
  VIOLATION_KINDS,
  VIOLATION_SOURCES,
  type ViolationKind,
  type ViolationSource,
} from '../../violations/sandbox-violation';
import { NO_CONTROL } from './create-sandbox-profile-request.dto';

export class ReportViolationRequestDto {
  @ApiProperty({ description: 'Name of the MCP server whose sandbox reported the violation.' })
  @IsString()
  @Length(1, 256)
  @Matches(NO_CONTROL)
  server!: string;

  @ApiPropertyOptional({ description: 'The tool being called, when known.' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  @Matches(NO_CONTROL)
  tool?: string;

  @ApiProperty({ enum: VIOLATION_KINDS })
  @IsIn(VIOLATION_KINDS)
  kind!: ViolationKind;

  @ApiProperty({ enum: VIOLATION_SOURCES })
  @IsIn(VIOLATION_SOURCES)
  source!: ViolationSource;

  @ApiProperty({ description: 'What happened (at most 300 characters; no secrets).' })
  @IsString()
  @Length(1, 300)
  @Matches(NO_CONTROL)
  detail!: string;

  @ApiPropertyOptional({ description: 'Digest of the profile the server ran under.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^sha256:[0-9a-f]{64}$/)
  profileDigest?: string;

  @ApiPropertyOptional({ description: 'Name of the reporting gateway instance.' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(NO_CONTROL)
  gateway?: string;
}

export class ViolationReportResponseDto {
  @ApiProperty({ description: 'The audit event type recorded.' })
  eventType!: string;

  @ApiProperty({ description: 'True when the server is now quarantined (its profile says so).' })
  quarantined!: boolean;

  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  profileId!: string | null;
}
