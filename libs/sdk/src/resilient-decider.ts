import type { BundlePoller } from './bundle-poller';
import { failClosed } from './decision-mapping';
import { MandateRequestError, MandateUnavailableError } from './errors';
import { offlineInput, type OfflineFacts } from './local-policy';
import type { MandateClient } from './mandate-client';
import type { Decision, DecisionRequest, RequestContext } from './types';

export interface ResilientDeciderOptions {
  client: MandateClient;
  /** Local evaluation from the bundle API when Mandate is unreachable; without it, unreachable = deny. */
  bundles?: BundlePoller;
  facts?: OfflineFacts;
  /** Most locally made decisions kept for replay (default 10,000; older ones are dropped and counted). */
  maxQueued?: number;
  /** Called when the replay of queued decisions fails (they stay queued). */
  onReplayError?: (error: unknown) => void;
}

/**
 * Asks Mandate; when Mandate is unreachable, answers from the local bundle (if one is loaded) or denies.
 * Decisions made locally are queued and replayed to Mandate (`decideBatch`, same requests) once it answers
 * again, so they reach the decision log; the replayed decisions are recorded at replay time.
 * A 4xx from Mandate (bad key, malformed request) is never answered locally: it is a deny.
 */
export class ResilientDecider {
  private readonly queue: DecisionRequest[] = [];
  private replaying: Promise<void> | undefined;
  /** Locally made decisions dropped from a full queue. */
  dropped = 0;

  constructor(private readonly options: ResilientDeciderOptions) {}

  get queued(): number {
    return this.queue.length;
  }

  async decide(request: DecisionRequest, context?: RequestContext): Promise<Decision> {
    try {
      const answer = await this.options.client.decide(request, context);
      if (this.queue.length > 0) void this.replay();
      return answer;
    } catch (error) {
      return this.fallback([request], error).then((d) => d[0]);
    }
  }

  async decideBatch(requests: DecisionRequest[], context?: RequestContext): Promise<Decision[]> {
    if (requests.length === 0) return [];
    try {
      const answers = await this.options.client.decideBatch(requests, context);
      if (this.queue.length > 0) void this.replay();
      return answers;
    } catch (error) {
      return this.fallback(requests, error);
    }
  }

  /** Sends every queued decision to Mandate; stops at the first failure (the rest stay queued). */
  replay(): Promise<void> {
    this.replaying ??= (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, 100);
        await this.options.client.decideBatch(batch);
        this.queue.splice(0, batch.length);
      }
    })()
      .catch((error: unknown) => this.options.onReplayError?.(error))
      .finally(() => {
        this.replaying = undefined;
      });
    return this.replaying;
  }

  private async fallback(requests: DecisionRequest[], error: unknown): Promise<Decision[]> {
    if (error instanceof MandateRequestError) {
      return requests.map(() =>
        failClosed('mandate_refused', `Mandate refused the decision request (${error.status})`),
      );
    }
    const policy = error instanceof MandateUnavailableError ? this.options.bundles?.current() : undefined;
    if (!policy) {
      return requests.map(() =>
        failClosed('mandate_unavailable', 'Mandate is unreachable; the call is denied (fail closed)'),
      );
    }
    const out: Decision[] = [];
    for (const request of requests) {
      out.push(await policy.evaluate(offlineInput(request, this.options.facts)));
      this.enqueue(request);
    }
    return out;
  }

  private enqueue(request: DecisionRequest): void {
    const max = this.options.maxQueued ?? 10_000;
    if (this.queue.length >= max) {
      this.queue.shift();
      this.dropped += 1;
    }
    this.queue.push(request);
  }
}
