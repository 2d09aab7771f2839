import type { QueuectlPreload } from '../queuectl.js';
import { BridgeError, fromRpcError, type Transport, type TransportHooks } from './transport.js';

/** The Electron window: calls and events go through the preload's IPC bridge; it is connected from the start. */
export function electronTransport(api: QueuectlPreload, hooks: TransportHooks): Transport {
  api.onEvent((event) => hooks.event(event));
  queueMicrotask(() => {
    hooks.status('connected', null);
    hooks.ready();
  });
  return {
    async call(method, params) {
      let outcome;
      try {
        outcome = await api.invoke(method, params);
      } catch (err) {
        throw new BridgeError('DISCONNECTED', `The app's engine did not answer: ${err instanceof Error ? err.message : String(err)}`);
      }
      if ('error' in outcome) throw fromRpcError(outcome.error);
      return outcome.result;
    },
  };
}
