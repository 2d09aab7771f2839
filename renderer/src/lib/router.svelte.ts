import { isJobState, type JobState } from '../../../protocol/job.js';
import { LIST_SORTS, QUEUE_NAME_PATTERN, type ListSort } from '../../../protocol/methods.js';

/**
 * Hash routes: #/ overview, #/jobs, #/jobs/<id>, #/dlq, #/schedules (?id= marks one), #/config, #/enqueue. A screen's filters
 * live in the hash's query (#/jobs?state=dead&queue=gpu&q=foo&page=2) so reload, back and forward restore them.
 */
export type Route =
  | { name: 'overview' }
  | { name: 'jobs'; query: URLSearchParams }
  | { name: 'job'; id: string }
  | { name: 'dlq'; query: URLSearchParams }
  | { name: 'schedules'; query: URLSearchParams }
  | { name: 'config' }
  | { name: 'enqueue' }
  | { name: 'missing'; path: string };

function parse(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)).replace(/\/+$/, '') || '/';
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  if (path === '/') return { name: 'overview' };
  if (path === '/jobs') return { name: 'jobs', query };
  if (path.startsWith('/jobs/')) return { name: 'job', id: decodeURIComponent(path.slice('/jobs/'.length)) };
  if (path === '/dlq') return { name: 'dlq', query };
  if (path === '/schedules') return { name: 'schedules', query };
  if (path === '/config') return { name: 'config' };
  if (path === '/enqueue') return { name: 'enqueue' };
  return { name: 'missing', path };
}

export const router: { route: Route; lastJobsHref: string } = $state({
  route: parse(location.hash),
  /** Where "Back to jobs" goes: the list as the user last filtered it. */
  lastJobsHref: '#/jobs',
});

/** The hash `router.route` was parsed from. */
let routed = location.hash;

/** Only changes from outside (back, forward, a typed URL) are left to hashchange: `go` has routed its own. */
window.addEventListener('hashchange', () => {
  if (location.hash === routed) return;
  routed = location.hash;
  router.route = parse(routed);
});

/** '#/jobs?state=dead' from a path and query values (empty values are left out). */
export function href(path: string, query: Record<string, string | number | null | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

/**
 * Goes to a hash: a new history entry, or in place with `replace` (typing in a search box). The route follows
 * at once, not at the hashchange event: a write before that event (the search box's debounced one, a second
 * click) would otherwise build on the route before this one and undo it, a user's click lost.
 */
export function go(target: string, options: { replace?: boolean } = {}): void {
  if (target === location.hash) return;
  if (options.replace) history.replaceState(history.state, '', target);
  else location.hash = target;
  routed = location.hash;
  router.route = parse(routed);
}

/** The Jobs screen's state filter: a state, or "scheduled" (pending or failed jobs not due yet; `list`'s `scheduled: true`). */
export type StateFilter = JobState | 'scheduled';

/** The jobs list's view of the query: filter, search, sort and page. */
export interface ListQuery {
  state: StateFilter | null;
  /** Only jobs of this named queue. */
  queue: string | null;
  q: string;
  /** A date range (YYYY-MM-DD, both days included) on `on`: when the jobs were created or finished. */
  from: string;
  to: string;
  on: 'created' | 'finished';
  sort: ListSort;
  order: 'asc' | 'desc';
  /** 1-based. */
  page: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function readListQuery(query: URLSearchParams): ListQuery {
  const state = query.get('state');
  const sort = query.get('sort');
  const page = Number(query.get('page'));
  const queue = query.get('queue');
  return {
    state: isJobState(state) || state === 'scheduled' ? state : null,
    queue: queue !== null && QUEUE_NAME_PATTERN.test(queue) ? queue : null,
    q: query.get('q') ?? '',
    from: DAY.test(query.get('from') ?? '') ? query.get('from')! : '',
    to: DAY.test(query.get('to') ?? '') ? query.get('to')! : '',
    on: query.get('on') === 'finished' ? 'finished' : 'created',
    sort: (LIST_SORTS as readonly string[]).includes(sort ?? '') ? (sort as ListSort) : 'created',
    order: query.get('order') === 'asc' ? 'asc' : 'desc',
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** The hash query for a ListQuery, leaving defaults out. */
export function listQueryValues(q: ListQuery): Record<string, string | number | null> {
  return {
    state: q.state,
    queue: q.queue,
    q: q.q,
    from: q.from,
    to: q.to,
    on: q.on === 'created' ? null : q.on,
    sort: q.sort === 'created' ? null : q.sort,
    order: q.order === 'desc' ? null : q.order,
    page: q.page > 1 ? q.page : null,
  };
}
