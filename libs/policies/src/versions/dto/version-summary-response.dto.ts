import { ApiProperty } from '@nestjs/swagger';
import type { PolicyVersionEntity } from '../../store/policy-version.entity';

export class VersionSummaryResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: '1, 2, 3 … per organisation.' })
  number!: number;

  @ApiProperty({ enum: ['rego', 'bundle'] })
  source!: 'rego' | 'bundle';

  @ApiProperty({ type: String, nullable: true })
  message!: string | null;

  @ApiProperty({ type: 'object', properties: { type: { type: 'string' }, id: { type: 'string' } } })
  author!: { type: string; id: string };

  @ApiProperty({ type: [String] })
  fileNames!: string[];

  @ApiProperty({ description: 'SHA-256 (hex) of the compiled Wasm module.' })
  wasmSha256!: string;

  @ApiProperty()
  wasmSize!: number;

  @ApiProperty({ example: 'mandate/decision' })
  entrypoint!: string;

  @ApiProperty()
  createdAt!: string;

  static from(version: PolicyVersionEntity): VersionSummaryResponseDto {
    const dto = new VersionSummaryResponseDto();
    VersionSummaryResponseDto.fill(dto, version);
    return dto;
  }

  protected static fill(dto: VersionSummaryResponseDto, version: PolicyVersionEntity): void {
    dto.id = version.id;
    dto.number = version.number;
    dto.source = version.source;
    dto.message = version.message;
    dto.author = { type: version.authorType, id: version.authorId };
    dto.fileNames = Object.keys(version.files).sort();
    dto.wasmSha256 = version.wasmSha256;
    dto.wasmSize = version.wasmSize;
    dto.entrypoint = version.entrypoint;
    dto.createdAt = version.createdAt.toISOString();
  }
}
