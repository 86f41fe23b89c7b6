import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { GrantScopeDto, PRINTABLE } from './grant-scope.dto';

/**
 * A sub-grant for another agent, derived from the grant the presented token names. Omitted fields are
 * inherited from the parent; every given field must be provably narrower.
 */
export class DelegateGrantRequestDto extends GrantScopeDto {
  @ApiProperty({ description: 'The parent grant’s token (held by the delegating agent).' })
  @IsString()
  @Length(1, 4096)
  parentToken!: string;

  @ApiProperty({ description: 'Name of the agent receiving the sub-grant.' })
  @IsString()
  @Length(1, 128)
  agent!: string;

  @ApiProperty({ maxLength: 500 })
  @IsString()
  @Length(1, 500)
  @Matches(PRINTABLE)
  reason!: string;
}
