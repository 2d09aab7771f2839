/**
 * The current time for relative labels ("12s ago") and running durations, ticking once a second while the
 * page is visible. It only re-renders labels; it never asks the daemon for anything.
 */
export const clock = $state({ now: Date.now() });

setInterval(() => {
  if (document.visibilityState === 'visible') clock.now = Date.now();
}, 1000);
