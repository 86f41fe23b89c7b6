import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DecisionsModule, DecisionStageRegistry } from '@mandate/decisions';
import { CATALOG_ENTITIES } from './entities/catalog.entities';
import { CatalogController } from './http/catalog.controller';
import { CatalogStage } from './pipeline/catalog.stage';
import { GatesStage, gatesEnabledProvider } from './pipeline/gates.stage';
import { ResolvedTools } from './pipeline/resolved-tools';
import { CatalogCache } from './store/catalog.cache';
import { CatalogReader } from './store/catalog.reader';
import { CatalogService } from './store/catalog.service';

/**
 * The MCP tool catalog (servers, tools, pinned definitions, quarantine, risk registry, admin API) and two
 * decision stages: `catalog` (order 100: pinning facts) and `gates` (order 200: argument and result
 * findings).
 */
@Module({
  imports: [DecisionsModule, TypeOrmModule.forFeature([...CATALOG_ENTITIES])],
  controllers: [CatalogController],
  providers: [
    CatalogReader,
    CatalogCache,
    CatalogService,
    ResolvedTools,
    CatalogStage,
    gatesEnabledProvider,
    GatesStage,
  ],
  exports: [CatalogService, CatalogCache],
})
export class CatalogModule implements OnModuleInit {
  constructor(
    private readonly registry: DecisionStageRegistry,
    private readonly catalogStage: CatalogStage,
    private readonly gatesStage: GatesStage,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.catalogStage);
    this.registry.register(this.gatesStage);
  }
}
