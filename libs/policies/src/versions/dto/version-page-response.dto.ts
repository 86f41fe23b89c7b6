import { ApiProperty } from '@nestjs/swagger';
import { VersionSummaryResponseDto } from './version-summary-response.dto';

export class VersionPageResponseDto {
  @ApiProperty({ type: [VersionSummaryResponseDto] })
  items!: VersionSummaryResponseDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}
