/**
 * A compiled policy ready to evaluate (the interface between the policy store and the decision service).
 * The baseline policy has `revision` 0, `versionId` 'baseline' and `orgId` '' (it serves every organisation
 * that never activated a policy).
 */
export interface ActivePolicy {
  orgId: string;
  revision: number;
  versionId: string;
  wasm: Uint8Array;
  /** 'mandate/decision'. */
  entrypoint: string;
  activatedAt: Date;
}
