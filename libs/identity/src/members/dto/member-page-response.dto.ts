import { ApiProperty } from '@nestjs/swagger';
import { MemberResponseDto } from './member-response.dto';

export class MemberPageResponseDto {
  @ApiProperty({ type: [MemberResponseDto] })
  items!: MemberResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Cursor of the next page; null on the last page.',
  })
  nextCursor!: string | null;
}
