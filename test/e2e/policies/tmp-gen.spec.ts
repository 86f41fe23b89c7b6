import { createDataSource, detectSchemaDrift } from '@mandate/db';
import { IDENTITY_ENTITIES } from '@mandate/identity';
import { POLICIES_ENTITIES } from '@mandate/policies';
import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { createTestDatabase } from '../../support';
it('gen', async () => {
  const db = await createTestDatabase();
  const ds = createDataSource({ url: db.url, entities: [...IDENTITY_ENTITIES, ...POLICIES_ENTITIES] });
  await ds.initialize();
  const up = await detectSchemaDrift(ds);
  const log = await ds.driver.createSchemaBuilder().log();
  writeFileSync('/tmp/pst/gen.json', JSON.stringify({ up, down: log.downQueries.map((q) => q.query) }, null, 1));
  await ds.destroy(); await db.drop();
});
