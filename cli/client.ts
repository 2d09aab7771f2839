import { RpcClient } from '../protocol/node/client.js';
import { resolveHome } from '../protocol/node/paths.js';

/** Connects to the daemon for this home, runs `fn`, and always closes the connection. */
export async function withClient<T>(fn: (client: RpcClient) => Promise<T>): Promise<T> {
  const client = await RpcClient.connect(resolveHome());
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
