import { Injectable } from '@nestjs/common';
import type { DecisionStage } from './decision-stage';

/**
 * The stages of the decision pipeline, contributed by feature modules at start (see DecisionStage).
 * Registering two stages with one name is a programming error.
 */
@Injectable()
export class DecisionStageRegistry {
  private stages: DecisionStage[] = [];

  register(stage: DecisionStage): void {
    if (this.stages.some((s) => s.name === stage.name)) {
      throw new Error(`a decision stage named ${stage.name} is already registered`);
    }
    this.stages = [...this.stages, stage].sort((a, b) => a.order - b.order);
  }

  /** Registered stages, ascending order. */
  list(): readonly DecisionStage[] {
    return this.stages;
  }
}
