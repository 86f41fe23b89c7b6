import { ApiProperty } from '@nestjs/swagger';
import type { ApproverGroup } from '../../groups/approver-group.service';

export class ApproverGroupResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: [String], format: 'uuid' }) memberIds!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(g: ApproverGroup): ApproverGroupResponseDto {
    return {
      id: g.group.id,
      name: g.group.name,
      description: g.group.description,
      memberIds: g.memberIds,
      createdAt: g.group.createdAt.toISOString(),
    };
  }
}
