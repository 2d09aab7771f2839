/**
 * Runs `fn` at most once per `ms`: the first request at once, later ones folded into one run at the end of
 * the window. Used by views to re-read after events without flooding the daemon.
 */
export function throttle(fn: () => void, ms: number): { run(): void; cancel(): void } {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    run() {
      if (timer) return;
      const wait = last + ms - Date.now();
      if (wait <= 0) {
        last = Date.now();
        fn();
        return;
      }
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        fn();
      }, wait);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** Runs `fn` once `ms` passed without another call (search boxes). */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): { (...args: A): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const debounced = (...args: A): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn(...args);
    }, ms);
  };
  debounced.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return debounced;
}

/** Drops answers that arrive after a newer request was made (a slow page 2 must not overwrite page 3). */
export function latest(): () => () => boolean {
  let counter = 0;
  return () => {
    const mine = ++counter;
    return () => mine === counter;
  };
}
