/**
 * What a bulk action in Jobs or Dead letters acts on: the checked rows of the page shown, or, once the user
 * chose it, every job the filter matches (`allMatching`; the engine counts them again before acting).
 */
export class Selection {
  ids = $state(new Set<string>());
  allMatching = $state(false);

  /** Checks or unchecks rows; unchecking any leaves "all matching", which no longer holds. */
  select(ids: string[], on: boolean): void {
    const next = new Set(this.ids);
    for (const id of ids) {
      if (on) next.add(id);
      else next.delete(id);
    }
    this.ids = next;
    if (!on) this.allMatching = false;
  }

  clear(): void {
    this.ids = new Set();
    this.allMatching = false;
  }

  /** Forgets checked rows a new page no longer shows (they moved on, or were acted on elsewhere). */
  keepShown(shown: ReadonlySet<string>): void {
    if ([...this.ids].some((id) => !shown.has(id))) this.ids = new Set([...this.ids].filter((id) => shown.has(id)));
  }
}
