import { createClient } from './connect.js';

/** The channel the jobs table's triggers notify when jobs are inserted or become due (migration 0001). */
export const JOBS_CHANNEL = 'queuectl_jobs';

/**
 * LISTEN on `channel` over a connection of its own (a pooled one would lose its LISTEN when handed back),
 * calling `listener` on each notification; answers the function that stops listening and closes it.
 * A lost connection is reported to `onError` and not reopened here: the engine's safety poll covers the gap
 * and reconnecting with backoff belongs to the outage handling (issue 17, not yet built).
 */
export async function listen(url: string, channel: string, listener: (payload: string) => void, onError: (err: Error) => void = () => {}): Promise<() => Promise<void>> {
  const client = createClient(url, { applicationName: 'queuectl listen' });
  client.on('notification', (msg) => {
    if (msg.channel === channel) listener(msg.payload ?? '');
  });
  client.on('error', onError);
  await client.connect();
  await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
  return async () => {
    await client.end();
  };
}
