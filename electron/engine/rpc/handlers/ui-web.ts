import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';

/** Starts the dashboard's web server (once) and answers its address with the access token. */
export function uiWeb(ctx: EngineContext): Promise<ResultOf<'ui.web'>> {
  return ctx.web.start();
}
