import { ipcMain, type WebContents } from 'electron';
import { RPC_INTERNAL_ERROR } from '../../../protocol/index.js';
import type { DispatchOutcome } from '../../engine/rpc/dispatch.js';
import type { Session } from '../../engine/rpc/session.js';
import type { Engine } from '../../engine/index.js';
import { checkInvoke, INVOKE_CHANNEL } from '../ipc-guard.js';
import { windowSession } from '../window-session.js';

/** The part of the engine the window talks to. */
export type EngineClient = Pick<Engine, 'dispatch' | 'dropSession'>;

/**
 * The one IPC handler: `queuectl:invoke` from the dashboard. Every call is checked (ipc-guard.ts: sender,
 * frame, origin, method, params) and then runs through the engine's dispatch with the window's Session, so
 * the window gets the same answers and errors as a socket client. It always resolves, to `{result}` or
 * `{error}`; the renderer never sees a rejected promise for a protocol error.
 */
export class IpcBridge {
  private readonly sessions = new Map<WebContents, Session>();

  constructor(
    private readonly engine: EngineClient,
    private readonly trusted: () => WebContents | null,
    private readonly log: (message: string) => void,
  ) {}

  start(): void {
    ipcMain.handle(INVOKE_CHANNEL, async (event, ...args: unknown[]): Promise<DispatchOutcome> => {
      const checked = checkInvoke(event, args, this.trusted());
      if (!checked.ok) {
        if (checked.refusedSender) this.log(`refused IPC: ${checked.error.message}`);
        return { error: checked.error };
      }
      try {
        return await this.engine.dispatch(this.sessionFor(event.sender), checked.method, checked.params);
      } catch (err) {
        this.log(`IPC ${checked.method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return { error: { code: RPC_INTERNAL_ERROR, message: 'internal error (see the app log)', data: { code: 'INTERNAL' } } };
      }
    });
  }

  /** A window's events go to its webContents; when it is destroyed the engine forgets its subscriptions. */
  attach(contents: WebContents): void {
    if (this.sessions.has(contents)) return;
    this.sessions.set(contents, windowSession(contents));
    contents.once('destroyed', () => {
      const session = this.sessions.get(contents);
      this.sessions.delete(contents);
      if (session) this.engine.dropSession(session);
    });
  }

  stop(): void {
    ipcMain.removeHandler(INVOKE_CHANNEL);
    for (const session of this.sessions.values()) this.engine.dropSession(session);
    this.sessions.clear();
  }

  private sessionFor(contents: WebContents): Session {
    let session = this.sessions.get(contents);
    if (!session) {
      this.attach(contents);
      session = this.sessions.get(contents)!;
    }
    return session;
  }
}
