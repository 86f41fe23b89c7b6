import { CatalogRevisionEntity } from './catalog-revision.entity';
import { CatalogServerEntity } from './catalog-server.entity';
import { CatalogToolEntity } from './catalog-tool.entity';

export const CATALOG_ENTITIES = [CatalogServerEntity, CatalogToolEntity, CatalogRevisionEntity];
