import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length, Matches } from 'class-validator';
import { GrantScopeDto, PRINTABLE } from './grant-scope.dto';

export class CreateGrantTemplateRequestDto extends GrantScopeDto {
  @ApiProperty({ example: 'support-refunds' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)
  name!: string;

  @ApiProperty({ maxLength: 500 })
  @IsString()
  @Length(1, 500)
  @Matches(PRINTABLE)
  reason!: string;
}

/** Changes to a template; they apply to every live grant made from it. Agent and tool slots stay. */
export class UpdateGrantTemplateRequestDto extends GrantScopeDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @Matches(PRINTABLE)
  reason?: string;
}

export class InstantiateGrantTemplateRequestDto {
  @ApiProperty({ type: [String], description: 'Agent names (the agent slot).' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 128, { each: true })
  agents!: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'Tool names (the tool slot): required when the template names no tool, refused otherwise.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  tools?: string[];
}
