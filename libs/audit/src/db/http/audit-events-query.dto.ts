import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID, Matches, MaxLength } from 'class-validator';
import { CursorQueryDto } from '@mandate/common';

/** `GET /v1/audit/events` filters; results ascend by sequence number, paginated by cursor. */
export class AuditEventsQueryDto extends CursorQueryDto {
  @ApiPropertyOptional({ description: 'Events at or after this instant (RFC 3339).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Events before this instant (RFC 3339).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'Event type, exact (`member.invited`) or a prefix (`member.*`).' })
  @IsOptional()
  @MaxLength(100)
  @Matches(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/, {
    message: 'type must be a dotted event type or prefix.*',
  })
  type?: string;

  @ApiPropertyOptional({ description: 'Actor as `type:id` (`member:<uuid>`) or just a type (`system`).' })
  @IsOptional()
  @MaxLength(300)
  @Matches(/^[a-z_]+(:[^\s]+)?$/, { message: 'actor must be type or type:id' })
  actor?: string;

  @ApiPropertyOptional({ description: 'Subject as `type:id` (`agent:<uuid>`) or just a type.' })
  @IsOptional()
  @MaxLength(300)
  @Matches(/^[a-z_]+(:[^\s]+)?$/, { message: 'subject must be type or type:id' })
  subject?: string;

  @ApiPropertyOptional({
    description: 'Agent: its id (the actor of its decisions) or its name (as sent by the gateway).',
  })
  @IsOptional()
  @MaxLength(200)
  @Matches(/^[^\s]+$/, { message: 'agent must be an agent id or name' })
  agent?: string;

  @ApiPropertyOptional({ description: 'Tool as `<server>/<tool>`.' })
  @IsOptional()
  @MaxLength(400)
  @Matches(/^[^\s/]+\/[^\s]+$/, { message: 'tool must be <server>/<tool>' })
  tool?: string;

  @ApiPropertyOptional({ enum: ['allow', 'deny', 'pending_approval'] })
  @IsOptional()
  @IsIn(['allow', 'deny', 'pending_approval'])
  decision?: string;

  @ApiPropertyOptional({ description: 'Member id: events the member performed or that were about them.' })
  @IsOptional()
  @IsUUID()
  member?: string;
}
