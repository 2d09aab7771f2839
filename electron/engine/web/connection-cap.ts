import type { Socket } from 'node:net';

/**
 * Caps the connections that have not shown the token or cookie yet, without capping the owner: when a new
 * connection would make more than `max` of them, the oldest is cut. A connection that presents the cookie
 * (or the URL token) leaves the count for good and is never cut here, so a flood of idle or half-sent
 * requests from another local user costs only its own connections, and a request of the owner's browser
 * that arrives during the flood is read before `max` newer connections can push it out.
 */
export class UnauthenticatedConnections {
  /** In arrival order (a Map iterates in insertion order): the first is the oldest. */
  private readonly waiting = new Map<Socket, true>();
  private shed = 0;

  constructor(
    private readonly max: number,
    /** Told when connections were cut, with how many so far (for the refusal log). */
    private readonly onShed: (total: number) => void,
  ) {}

  /** A new connection: counted until it authenticates or closes; the oldest is cut when over the cap. */
  add(socket: Socket): void {
    this.waiting.set(socket, true);
    socket.once('close', () => this.waiting.delete(socket));
    while (this.waiting.size > this.max) {
      const oldest = this.waiting.keys().next().value as Socket;
      this.waiting.delete(oldest);
      oldest.destroy();
      this.onShed(++this.shed);
    }
  }

  /** The connection presented the cookie or token: no longer counted, never cut for the cap. */
  authenticated(socket: Socket): void {
    this.waiting.delete(socket);
  }

  /** Connections waiting to authenticate now. */
  get size(): number {
    return this.waiting.size;
  }
}
