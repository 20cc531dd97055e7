import type {
  AnySynapseDefinition,
  AxonTarget,
  CallOptions,
  CallResult,
  Dendrite,
  SynapseRequest,
} from '@fold/synapse';
import type { ValidatorMetrics } from './metrics.js';

/** How the validator talks to miners: a dendrite's calls, counted in the metrics. */
export interface MinerCaller {
  call<D extends AnySynapseDefinition>(
    target: AxonTarget,
    synapse: D,
    request: SynapseRequest<D>,
    options?: CallOptions,
  ): Promise<CallResult<D>>;
}

/** A {@link MinerCaller} over a dendrite that counts calls, outcomes and bytes. */
export function countedCaller(dendrite: Dendrite, metrics: ValidatorMetrics): MinerCaller {
  return {
    async call(target, synapse, request, options) {
      const result = await dendrite.call(target, synapse, request, options);
      const name = synapse.name;
      metrics.queries.inc({ synapse: name, outcome: result.ok ? 'ok' : String(result.statusCode) });
      metrics.bytes.inc({ synapse: name, direction: 'sent' }, result.bytesSent);
      metrics.bytes.inc({ synapse: name, direction: 'received' }, result.bytesReceived);
      return result;
    },
  };
}
