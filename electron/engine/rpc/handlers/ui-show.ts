import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { asParams } from '../params.js';

/** Hash routes the dashboard knows, e.g. "#/", "#/dlq", "#/jobs/ab12cd34". */
const ROUTE = /^#\/[A-Za-z0-9._~/?=&%-]{0,200}$/;

/** Shows the desktop app's dashboard window; a headless daemon has none and says what to use instead. */
export function uiShow(ctx: EngineContext, raw: unknown): ResultOf<'ui.show'> {
  const { route } = asParams(raw);
  if (route !== undefined && route !== null && (typeof route !== 'string' || !ROUTE.test(route))) {
    throw new QueueError('INVALID_ARGUMENT', 'route must be a dashboard route such as "#/dlq"');
  }
  if (!ctx.host) {
    throw new QueueError('INVALID_STATE', 'this daemon runs headless and has no window; open the dashboard in a browser with: queuectl ui --web');
  }
  ctx.host.showDashboard((route as string | null | undefined) ?? null);
  return { shown: true };
}
