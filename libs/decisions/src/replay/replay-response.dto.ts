import { ApiProperty } from '@nestjs/swagger';
import type { ReplayReport } from './policy-replay.service';
import type { ReplayComparison } from './replay-tally';

class ReplayReasonDto {
  @ApiProperty()
  code!: string;

  @ApiProperty()
  message!: string;
}

class ReplayVerdictDto {
  @ApiProperty({ enum: ['allow', 'deny', 'pending_approval'] })
  decision!: string;

  @ApiProperty({ type: [ReplayReasonDto] })
  reasons!: ReplayReasonDto[];
}

export class ReplayExampleDto {
  @ApiProperty({ format: 'uuid' })
  decisionId!: string;

  @ApiProperty({ format: 'date-time' })
  decidedAt!: string;

  @ApiProperty()
  agent!: string;

  @ApiProperty()
  server!: string;

  @ApiProperty()
  tool!: string;

  @ApiProperty({ enum: ['list', 'call', 'result'] })
  phase!: string;

  @ApiProperty({ type: ReplayVerdictDto, description: 'What was answered then.' })
  recorded!: ReplayVerdictDto;

  @ApiProperty({ type: ReplayVerdictDto, description: 'What the replayed policy answers.' })
  replayed!: ReplayVerdictDto;

  static from(example: ReplayComparison): ReplayExampleDto {
    return Object.assign(new ReplayExampleDto(), { ...example, decidedAt: example.decidedAt.toISOString() });
  }
}

const TRANSITIONS = {
  type: 'object',
  additionalProperties: { type: 'integer' },
  description: 'Changed decisions by transition, e.g. `{"allow→deny": 12}`.',
} as const;

export class ReplayAgentGroupDto {
  @ApiProperty()
  agent!: string;

  @ApiProperty()
  evaluated!: number;

  @ApiProperty()
  changed!: number;

  @ApiProperty(TRANSITIONS)
  transitions!: Record<string, number>;
}

export class ReplayToolGroupDto {
  @ApiProperty()
  server!: string;

  @ApiProperty()
  tool!: string;

  @ApiProperty()
  evaluated!: number;

  @ApiProperty()
  changed!: number;

  @ApiProperty(TRANSITIONS)
  transitions!: Record<string, number>;
}

class ReplayPolicyDto {
  @ApiProperty({ enum: ['draft', 'version'] })
  kind!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  versionId!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  number!: number | null;
}

class ReplayWindowDto {
  @ApiProperty({ format: 'date-time' })
  since!: string;

  @ApiProperty({ format: 'date-time' })
  until!: string;
}

export class ReplayResponseDto {
  @ApiProperty({ type: ReplayPolicyDto })
  policy!: ReplayPolicyDto;

  @ApiProperty({ type: ReplayWindowDto })
  window!: ReplayWindowDto;

  @ApiProperty({ description: 'Recorded decisions evaluated with the replayed policy.' })
  evaluated!: number;

  @ApiProperty({ description: 'Of those, how many would get a different decision.' })
  changed!: number;

  @ApiProperty({
    description:
      'Recorded decisions the policy did not make (unknown agent, a pipeline stage’s deny, a recording failure): not compared.',
  })
  skipped!: number;

  @ApiProperty({ description: 'More decisions match the window than were replayed (limit or time cap).' })
  truncated!: boolean;

  @ApiProperty(TRANSITIONS)
  transitions!: Record<string, number>;

  @ApiProperty({ type: [ReplayAgentGroupDto], description: 'By agent, most changed first (at most 100).' })
  byAgent!: ReplayAgentGroupDto[];

  @ApiProperty({
    type: [ReplayToolGroupDto],
    description: 'By server and tool, most changed first (at most 100).',
  })
  byTool!: ReplayToolGroupDto[];

  @ApiProperty({
    type: [ReplayExampleDto],
    description: 'Up to 20 changed decisions, newest first, at most 3 per agent and tool.',
  })
  examples!: ReplayExampleDto[];

  @ApiProperty()
  durationMs!: number;

  static from(report: ReplayReport): ReplayResponseDto {
    return Object.assign(new ReplayResponseDto(), {
      ...report,
      window: { since: report.window.since.toISOString(), until: report.window.until.toISOString() },
      examples: report.examples.map((example) => ReplayExampleDto.from(example)),
    });
  }
}
