import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { PRINTABLE } from './grant-scope.dto';

export class RevokeGrantRequestDto {
  @ApiProperty({ maxLength: 500 })
  @IsString()
  @Length(1, 500)
  @Matches(PRINTABLE)
  reason!: string;
}
