import { createHash, timingSafeEqual } from 'node:crypto';

/** The cookie that carries the token after the first visit. */
export const COOKIE_NAME = 'qctl';

/** The hosts a browser may use to reach the server (it listens on 127.0.0.1 only). */
const HOST_NAMES = ['127.0.0.1', 'localhost'] as const;

/**
 * Who may talk to one run of the web server: requests must name this server in Host (against DNS
 * rebinding), carry the token (once in the URL, then in the cookie), and, for RPC, come from the page's
 * own origin.
 */
export class Access {
  private readonly tokenDigest: Buffer;

  constructor(
    private readonly token: string,
    private readonly port: number,
  ) {
    this.tokenDigest = digest(token);
  }

  /** True when Host is exactly 127.0.0.1:<port> or localhost:<port>. */
  hostAllowed(host: string | undefined): boolean {
    return host !== undefined && HOST_NAMES.some((name) => host === `${name}:${this.port}`);
  }

  /** True when Origin is this server as reached through `host` (an allowed Host header). */
  originAllowed(origin: string | undefined, host: string): boolean {
    return origin === `http://${host}`;
  }

  /** Compares a token from the URL with this server's, in constant time. */
  tokenMatches(given: string | null): boolean {
    return given !== null && timingSafeEqual(digest(given), this.tokenDigest);
  }

  /** True when the Cookie header holds a `qctl` cookie with this server's token. */
  cookieMatches(header: string | undefined): boolean {
    let ok = false;
    for (const part of (header ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== COOKIE_NAME) continue;
      if (this.tokenMatches(part.slice(eq + 1).trim())) ok = true;
    }
    return ok;
  }

  /** The Set-Cookie value that lets this browser in for the server's lifetime. */
  sessionCookie(): string {
    return `${COOKIE_NAME}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }
}

/** Fixed-length stand-in for a token, so the comparison takes the same time whatever the length guessed. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
