import { ApiProperty } from '@nestjs/swagger';

export class LoginResponseDto {
  @ApiProperty({
    description: 'Short-lived access token (JWT, EdDSA). Send as `Authorization: Bearer <token>`.',
  })
  accessToken!: string;

  @ApiProperty({ example: 'Bearer' })
  tokenType!: 'Bearer';

  @ApiProperty({ description: 'Seconds until expiry.' })
  expiresIn!: number;

  @ApiProperty()
  expiresAt!: string;
}
