import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { Public } from '@mandate/identity';

export class ProbeRequestDto {
  @IsString()
  name!: string;

  @IsInt()
  @Min(1)
  @Max(10)
  count!: number;
}

/** Test-only endpoints exercising the global pipe and filter. */
@Public()
@Controller('probe')
export class ProbeController {
  @Post()
  create(@Body() body: ProbeRequestDto): { name: string; count: number; isDto: boolean } {
    return { name: body.name, count: body.count, isDto: body instanceof ProbeRequestDto };
  }

  @Get('fail/:code')
  fail(@Param('code') code: string): never {
    if (code === 'crash') throw new Error('secret internal detail');
    throw new DomainError(code as ErrorCode, `probe ${code}`, { probe: true });
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
