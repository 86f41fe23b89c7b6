import { ApiProperty } from '@nestjs/swagger';
import type { PolicyDraftEntity } from '../../store/policy-draft.entity';
import { CompileIssueResponseDto } from './compile-issue-response.dto';

export class DraftResponseDto {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  files!: Record<string, string>;

  @ApiProperty({ description: 'True when the draft compiles (it can then become a version).' })
  valid!: boolean;

  @ApiProperty({ type: [CompileIssueResponseDto] })
  errors!: CompileIssueResponseDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Null when no draft was saved yet.' })
  updatedAt!: string | null;

  static from(draft: PolicyDraftEntity | null): DraftResponseDto {
    const dto = new DraftResponseDto();
    dto.files = draft === null ? {} : { ...draft.files };
    dto.valid = draft?.valid ?? false;
    dto.errors = draft === null ? [] : draft.errors.map((e) => ({ ...e }));
    dto.updatedAt = draft === null ? null : draft.updatedAt.toISOString();
    return dto;
  }
}
