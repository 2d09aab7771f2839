import type { StoreSettingAnswer } from '../../protocol/desktop-store.js';
import type { QueueEvent } from '../../protocol/events.js';

/** What main answers to an invoke: a result, or the JSON-RPC error object (main never throws). */
export type PreloadOutcome =
  | { result: unknown }
  | { error: { code: number; message: string; data?: { code: string; [key: string]: unknown } } };

/** The API preload/index.ts exposes as `window.queuectl` in the Electron window (absent in a browser). */
export interface QueuectlPreload {
  invoke(method: string, params: unknown): Promise<PreloadOutcome>;
  onEvent(listener: (event: QueueEvent) => void): () => void;
}

/** The app's own settings, `window.queuectlApp` in the Electron window (absent in a browser): preload/index.ts. */
export interface QueuectlApp {
  storeSetting(): Promise<StoreSettingAnswer>;
  setStore(value: string): Promise<StoreSettingAnswer>;
}

declare global {
  interface Window {
    queuectl?: QueuectlPreload;
    queuectlApp?: QueuectlApp;
  }
}
