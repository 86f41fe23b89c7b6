import { EVENTS_ENTITIES } from '@mandate/events';
import { QUEUE_ENTITIES } from '@mandate/queue';

/**
 * Entities registered on the DataSource explicitly (entities passed to TypeOrmModule.forFeature are
 * auto-loaded as well). The drift check (`npm run migration:check`) compares these with the migrations.
 */
export const APP_ENTITIES = [...EVENTS_ENTITIES, ...QUEUE_ENTITIES];
