import { contextBridge, ipcRenderer } from 'electron';

/**
 * The whole bridge between the dashboard and the app: invoke a protocol method, and receive pushed events.
 * Main must check the sender and the payload of every call (the handlers arrive with the desktop-app issue).
 */
contextBridge.exposeInMainWorld('queuectl', {
  invoke: (method: string, params: unknown): Promise<unknown> => ipcRenderer.invoke('queuectl:invoke', method, params),
  onEvent: (listener: (event: unknown) => void): (() => void) => {
    const handler = (_e: unknown, event: unknown): void => listener(event);
    ipcRenderer.on('queuectl:event', handler);
    return () => ipcRenderer.off('queuectl:event', handler);
  },
});
