import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { SLUG_PATTERN } from '../../organisations/slug';

export class LoginRequestDto {
  @ApiPropertyOptional({ description: 'Needed only when the email belongs to several organisations.' })
  @IsOptional()
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'orgSlug is not a valid organisation slug' })
  orgSlug?: string;

  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ writeOnly: true })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}
