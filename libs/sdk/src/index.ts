export { BundlePoller, type BundlePollerOptions } from './bundle-poller';
export { readBundle, type PolicyBundle } from './bundle-reader';
export { verifyBundle } from './bundle-signature';
export { decisionOfPolicyResult, failClosed } from './decision-mapping';
export { MandateRequestError, MandateUnavailableError } from './errors';
export { HttpTransport, traceHeaders, type FetchLike, type HttpTransportOptions } from './http-transport';
export { LocalPolicy, offlineInput, toolDigest, type OfflineFacts } from './local-policy';
export { MandateClient, MAX_BATCH_ITEMS, isPending, type MandateClientOptions } from './mandate-client';
export { ResilientDecider, type ResilientDeciderOptions } from './resilient-decider';
export type {
  ApprovalRef,
  ApprovalState,
  CallOutcome,
  Decision,
  DecisionPhase,
  DecisionReason,
  DecisionRequest,
  DecisionSource,
  DecisionValue,
  RequestContext,
  ToolDefinition,
} from './types';
