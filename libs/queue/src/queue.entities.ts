import { JobDeliveryEntity } from './job-delivery.entity';
import { OutboxEntryEntity } from './outbox-entry.entity';

/** TypeORM entities of the queue library. */
export const QUEUE_ENTITIES = [OutboxEntryEntity, JobDeliveryEntity] as const;
