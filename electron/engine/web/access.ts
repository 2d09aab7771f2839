import { createHash, timingSafeEqual } from 'node:crypto';

/** The cookie that carries the token after the first visit. */
export const COOKIE_NAME = 'qctl';

/** The hosts a browser may use to reach the server (it listens on 127.0.0.1 only). */
const HOST_NAMES = ['127.0.0.1', 'localhost'] as const;

/**
 * Who may talk to one run of the web server: requests must name this server in Host (against DNS
 * rebinding), be under its secret path prefix, carry the token (once in the URL, then in the cookie), and,
 * for RPC, come from the page's own origin.
 *
 * The prefix is what keeps the cookie on this server: browsers send a cookie to every port of its host
 * (cookies are not separated by port), so with `Path=/` another local server on 127.0.0.1 that the user
 * visits would receive it. With `Path=/<prefix>/` the browser sends it only to paths under the prefix,
 * which another server cannot name without knowing the prefix.
 */
export class Access {
  private readonly tokenDigest: Buffer;
  private readonly prefixDigest: Buffer;

  constructor(
    private readonly token: string,
    /** The secret first path segment (URL-safe characters only), without slashes. */
    private readonly prefix: string,
    private readonly port: number,
  ) {
    this.tokenDigest = digest(token);
    this.prefixDigest = digest(prefix);
  }

  /** `/<prefix>/`: the dashboard's page, and the path every other request must be under. */
  get home(): string {
    return `/${this.prefix}/`;
  }

  /** True when Host is exactly 127.0.0.1:<port> or localhost:<port>. */
  hostAllowed(host: string | undefined): boolean {
    return host !== undefined && HOST_NAMES.some((name) => host === `${name}:${this.port}`);
  }

  /** True when Origin is this server as reached through `host` (an allowed Host header). */
  originAllowed(origin: string | undefined, host: string): boolean {
    return origin === `http://${host}`;
  }

  /** Compares a request path's first segment (as sent, still percent-encoded) with the prefix, in constant time. */
  prefixMatches(segment: string): boolean {
    return timingSafeEqual(digest(segment), this.prefixDigest);
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

  /** The Set-Cookie value that lets this browser in for the server's lifetime, for paths under the prefix only. */
  sessionCookie(): string {
    return `${COOKIE_NAME}=${this.token}; HttpOnly; SameSite=Strict; Path=${this.home}`;
  }
}

/** Fixed-length stand-in for a secret, so the comparison takes the same time whatever the length guessed. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
