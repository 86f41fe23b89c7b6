import { ApiProperty } from '@nestjs/swagger';
import { IsObject } from 'class-validator';

export class SaveDraftRequestDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'Every file of the draft (replaces the previous set): name (`*.rego`, `/` allowed) → Rego source.',
    example: {
      'decision.rego':
        'package mandate\n\ndecision := {"allow": false, "deny": [], "require_approval": null, "obligations": {}}\n',
    },
  })
  @IsObject()
  files!: Record<string, string>;
}
