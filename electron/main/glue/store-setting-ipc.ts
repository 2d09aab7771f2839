import { ipcMain, type WebContents } from 'electron';
import { answerStoreSetting, STORE_SETTING_CHANNEL, type StoreSettingDeps } from '../store-setting.js';

/** The store field's channel on ipcMain (store-setting.ts decides everything); returns what removes it. */
export function serveStoreSetting(deps: StoreSettingDeps, trusted: () => WebContents | null): () => void {
  ipcMain.handle(STORE_SETTING_CHANNEL, (event, ...args: unknown[]) => answerStoreSetting(event, args, trusted(), deps));
  return () => ipcMain.removeHandler(STORE_SETTING_CHANNEL);
}
