import { dialog, type BrowserWindow } from 'electron';
import type { QuitPrompt } from '../quit-plan.js';

/**
 * Asks the Quit question (quit-plan.ts's quitPrompt), attached to the dashboard window when there is one.
 * Resolves to the index of the button chosen.
 */
export async function askQuit(parent: BrowserWindow | null, prompt: QuitPrompt): Promise<number> {
  const options = { type: 'question' as const, noLink: true, ...prompt };
  const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
  return response;
}
