import { ApiProperty } from '@nestjs/swagger';
import type { ApiKeyEntity } from '../api-key.entity';
import { ApiKeyResponseDto } from './api-key-response.dto';

/** Returned once, by the creation request only: the full key is never shown again. */
export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  @ApiProperty({ description: 'The full key `mnd_<prefix>_<secret>`. Store it now: it is shown only once.' })
  key!: string;

  static withSecret(entity: ApiKeyEntity, key: string): CreatedApiKeyResponseDto {
    const dto = Object.assign(new CreatedApiKeyResponseDto(), ApiKeyResponseDto.from(entity));
    dto.key = key;
    return dto;
  }
}
