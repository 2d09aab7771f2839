import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { QueueEvent, RpcErrorObject, StoreSettingAnswer } from '../protocol/index.js';

/**
 * The whole bridge between the dashboard and the app: call a protocol method, and receive pushed events.
 * Main checks the sender and the payload of every call (electron/main/ipc-guard.ts) and answers `{result}`
 * or `{error}`; the promise rejects only if main itself is gone. Channel names: ipc-guard.ts.
 */
contextBridge.exposeInMainWorld('queuectl', {
  invoke: (method: string, params: unknown): Promise<{ result: unknown } | { error: RpcErrorObject }> =>
    ipcRenderer.invoke('queuectl:invoke', method, params),
  onEvent: (listener: (event: QueueEvent) => void): (() => void) => {
    const handler = (_e: IpcRendererEvent, event: QueueEvent): void => listener(event);
    ipcRenderer.on('queuectl:event', handler);
    return () => {
      ipcRenderer.off('queuectl:event', handler);
    };
  },
});

/**
 * The app's own settings, which no daemon has (so not a protocol method): the store preference, read and
 * changed on the Config page. A global of its own, so the dashboard's transport is chosen by `queuectl` alone.
 * Main checks the sender and the value (electron/main/store-setting.ts).
 */
contextBridge.exposeInMainWorld('queuectlApp', {
  storeSetting: (): Promise<StoreSettingAnswer> => ipcRenderer.invoke('queuectl:store-setting', 'get'),
  setStore: (value: string): Promise<StoreSettingAnswer> => ipcRenderer.invoke('queuectl:store-setting', 'set', value),
});
