import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_BUNDLE_WAIT_SECONDS } from '../policy-bundle-server.service';

export class BundleQueryDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_BUNDLE_WAIT_SECONDS,
    description:
      'Long poll: with If-None-Match naming the current bundle, wait up to this many seconds for a new one (304 at timeout). `Prefer: wait=N` works too.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_BUNDLE_WAIT_SECONDS)
  wait?: number;
}
