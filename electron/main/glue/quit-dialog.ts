import { dialog, type BrowserWindow } from 'electron';
import { dialogParentUsable } from '../platform.js';
import type { QuitPrompt } from '../quit-plan.js';

/**
 * Asks the Quit question (quit-plan.ts's quitPrompt), attached to the dashboard window only while that window
 * is on screen (platform.ts dialogParentUsable: a sheet on a hidden window is invisible on macOS). Resolves to
 * the index of the button chosen.
 */
export async function askQuit(window: BrowserWindow | null, prompt: QuitPrompt): Promise<number> {
  const options = { type: 'question' as const, noLink: true, ...prompt };
  const parent =
    window && dialogParentUsable({ exists: !window.isDestroyed(), visible: window.isVisible(), minimized: window.isMinimized() }) ? window : null;
  const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
  return response;
}
