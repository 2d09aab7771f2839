import type pg from 'pg';
import { createClient } from './connect.js';
import { reconnectDelay } from './health.js';

/** The channel the jobs table's triggers notify when jobs are inserted or become due (migration 0001). */
export const JOBS_CHANNEL = 'queuectl_jobs';

/** What `listen` tells its caller about its connection. */
export interface ListenEvents {
  /** The connection broke; reconnecting with backoff follows. */
  onLost?: (err: Error) => void;
  /** Listening again after a loss. */
  onBack?: () => void;
}

/**
 * LISTEN on `channel` over a connection of its own (a pooled one would lose its LISTEN when handed back),
 * calling `listener` on each notification; answers the function that stops listening for good and closes it.
 * The first connection must open (its error is thrown). When it breaks later, it is reopened with the store's
 * backoff (health.ts) until it works, and then `listener` is called once with '' without a notification: jobs
 * may have been added while nobody listened.
 */
export async function listen(url: string, channel: string, listener: (payload: string) => void, events: ListenEvents = {}): Promise<() => Promise<void>> {
  let stopped = false;
  let current: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let tries = 0;

  const open = async (): Promise<pg.Client> => {
    const client = createClient(url, { applicationName: 'queuectl listen' });
    client.on('notification', (msg) => {
      if (msg.channel === channel && !stopped) listener(msg.payload ?? '');
    });
    client.on('error', (err) => dropped(client, err));
    client.on('end', () => dropped(client, new Error('Connection terminated unexpectedly')));
    try {
      await client.connect();
      await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    return client;
  };

  /** The current connection broke (an earlier one, or one being opened, is not reported). */
  const dropped = (client: pg.Client, err: Error): void => {
    if (client !== current || stopped) return;
    current = null;
    client.end().catch(() => {});
    events.onLost?.(err);
    reopenLater();
  };

  const reopenLater = (): void => {
    timer = setTimeout(() => void reopen(), reconnectDelay(tries++));
    timer.unref();
  };

  const reopen = async (): Promise<void> => {
    timer = null;
    if (stopped) return;
    let client: pg.Client;
    try {
      client = await open();
    } catch {
      if (!stopped) reopenLater();
      return;
    }
    if (stopped) {
      await client.end().catch(() => {});
      return;
    }
    current = client;
    tries = 0;
    events.onBack?.();
    listener('');
  };

  current = await open();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const client = current;
    current = null;
    await client?.end();
  };
}
