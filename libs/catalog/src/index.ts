export { CatalogModule } from './catalog.module';
export { CATALOG_ENTITIES } from './entities/catalog.entities';
export { RISK_CLASSES, TOOL_STATUSES, type RiskClass, type ToolStatus } from './entities/catalog-tool.entity';
export { CatalogCache, CATALOG_POLL_INTERVAL_MS } from './store/catalog.cache';
export { CATALOG_CHANGED_CHANNEL } from './store/catalog-change.channel';
export { CatalogEventType } from './store/catalog-event-type';
export {
  CATALOG_LIMITS,
  CatalogService,
  type CatalogChangeContext,
  type ReportedTool,
} from './store/catalog.service';
