import { Injectable } from '@nestjs/common';
import type { DecisionDraft } from '@mandate/decisions';
import type { ToolSnapshot } from '../store/catalog-snapshot';
import type { PresentedDefinition } from '../store/tool-definition-view';

/** What the catalog stage resolved for a decision, handed to the gates stage. */
export interface ResolvedTool {
  /** The catalog's tool (null when unknown and not recorded, e.g. the catalog is full). */
  tool: ToolSnapshot | null;
  /** The definition the request presented (pinned fields), if any. */
  presented: PresentedDefinition | null;
}

/** Per-decision hand-over between the catalog and gates stages (weakly held: gone with the draft). */
@Injectable()
export class ResolvedTools {
  private readonly byDraft = new WeakMap<DecisionDraft, ResolvedTool>();

  set(draft: DecisionDraft, resolved: ResolvedTool): void {
    this.byDraft.set(draft, resolved);
  }

  get(draft: DecisionDraft): ResolvedTool | undefined {
    return this.byDraft.get(draft);
  }
}
