import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES, type Preferences } from '../../electron/main/preferences.js';
import { QuitController, type QuitControllerOptions } from '../../electron/main/quit-controller.js';
import { initialTrayState, type TrayState } from '../../electron/main/tray-model.js';

/**
 * QuitController with a fake engine (its stop promise and 'stopping' event as startEngine's) and a fake app
 * (Electron's app.quit/exit cannot run under Node).
 */
function setup(options: { running?: number; holdsWindow?: boolean; prefs?: Preferences; answer?: number } = {}) {
  const events = new EventEmitter();
  let resolveStop!: () => void;
  let rejectStop!: (err: Error) => void;
  let stopPromise: Promise<void> | null = null;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  const stopCalls: Array<number | undefined> = [];
  const engine = {
    events,
    stopped,
    stop: (o: { timeoutMs?: number } = {}) => {
      stopCalls.push(o.timeoutMs);
      if (stopPromise) return stopPromise;
      stopPromise = new Promise<void>((res, rej) => {
        resolveStop = () => {
          resolveStopped();
          res();
        };
        rejectStop = rej;
      });
      events.emit('stopping');
      return stopPromise;
    },
    dispatch: async (_s: unknown, method: string) =>
      method === 'status'
        ? { result: { counts: { processing: options.running ?? 0 }, stopping: stopPromise !== null } }
        : { result: { entry: { value: 5000 } } },
  };
  let state: TrayState = initialTrayState({ notifyDead: true, notifyCompleted: true, launchAtLogin: false, closeToTray: true, hideDockIcon: true });
  const exits: Array<number | 'quit'> = [];
  const asked: string[] = [];
  const quit = new QuitController({
    engine: engine as unknown as QuitControllerOptions['engine'],
    tray: {
      get state() {
        return state;
      },
      session: { push: () => undefined },
      holdsWindow: options.holdsWindow ?? true,
      showStopping: () => (state = { ...state, stopping: true }),
    },
    prefs: { get: () => options.prefs ?? { ...DEFAULT_PREFERENCES, closeNoticeShown: true }, set: () => undefined },
    notifier: { notice: () => undefined },
    ask: async (prompt) => {
      asked.push(prompt.message);
      return options.answer ?? 0;
    },
    teardown: () => undefined,
    app: { quit: () => exits.push('quit'), exit: (code) => exits.push(code) },
    log: () => undefined,
  });
  quit.watchEngine();
  return { quit, engine, stopCalls, exits, asked, resolve: () => resolveStop(), reject: (e: Error) => rejectStop(e) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('QuitController', () => {
  it('a stop begun by `queuectl worker stop` that fails: the app exits 1, not 0', async () => {
    const { engine, exits, reject } = setup();
    void engine.stop({}).catch(() => undefined);
    await tick();
    reject(new Error('disk gone'));
    await tick();
    expect(exits).toEqual([1]);
  });

  it('Stop and requeue after `worker stop` began: the stop is shortened, its promise handled, the app quits once', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { quit, engine, stopCalls, exits, reject, asked } = setup({ running: 1, answer: 1 });
      void engine.stop({}).catch(() => undefined);
      await tick();
      await quit.request('menu');
      expect(asked).toEqual(['1 job is running. Quit queuectl?']);
      expect(stopCalls).toContain(0);
      reject(new Error('boom'));
      await tick();
      await tick();
      expect(exits).toEqual([1]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a graceful stop that ends: teardown and quit (status 0), once', async () => {
    const { quit, exits, resolve } = setup();
    await quit.request('app-quit');
    resolve();
    await tick();
    await tick();
    expect(exits).toEqual(['quit']);
  });

  it('without a tray host the window close quits, whatever the preference says', () => {
    expect(setup({ holdsWindow: false }).quit.closeRequest()).toBe('quit');
    expect(setup({ holdsWindow: true }).quit.closeRequest()).toBe('hide');
  });
});
