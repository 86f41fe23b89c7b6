import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDateString,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
} from 'class-validator';
import { ROLES, type Role } from '../../access/role';
import { API_KEY_SCOPES, type ApiKeyScope } from '../api-key-scope';

export class CreateApiKeyRequestDto {
  @ApiProperty({ example: 'gateway-eu-1', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['decisions:evaluate'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes!: ApiKeyScope[];

  @ApiPropertyOptional({
    enum: ROLES,
    description: 'Required with the `admin` scope: the role whose permissions the key carries.',
  })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({
    description: 'ISO 8601 expiry; must be in the future. Omit for a key that never expires.',
  })
  @IsOptional()
  @IsDateString({ strict: true })
  expiresAt?: string;
}
