import { ApiProperty } from '@nestjs/swagger';

export class CompileIssueResponseDto {
  @ApiProperty({ description: 'File name; empty when the error concerns the whole policy.' })
  file!: string;

  @ApiProperty({ description: '1-based line; 0 when not tied to a position.' })
  row!: number;

  @ApiProperty({ description: '1-based column; 0 when not tied to a position.' })
  col!: number;

  @ApiProperty({ example: 'rego_parse_error' })
  code!: string;

  @ApiProperty()
  message!: string;
}
