import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsNumber, IsString, Matches, Max, Min } from 'class-validator';

export class GrantBudgetDto {
  @ApiProperty({ description: 'Top-level numeric argument whose values are summed, e.g. `amount`.' })
  @IsString()
  @Matches(/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/)
  argument!: string;

  @ApiProperty({ description: 'Most the sum may reach within the window.', example: 500 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.000001)
  @Max(1e15)
  limit!: number;

  @ApiProperty({ description: 'Rolling window in seconds (e.g. 86400 for a day).', example: 86400 })
  @IsInt()
  @Min(1)
  @Max(366 * 24 * 3600)
  windowSeconds!: number;
}
