/** Most matches marked at once; past it the count says "N+" (a 10 MB log of one letter must not stall the page). */
export const MAX_MATCHES = 5000;

/** The highlight names, styled with `::highlight()` in LogSearch.svelte. */
const ALL = 'log-match';
const CURRENT = 'log-current';

/**
 * Every occurrence of `term` (case-insensitive, as typed: no patterns) in the text under `root`. The log
 * arrives as one text node per chunk, so a match may span nodes: the text is searched whole and each match
 * mapped back to its nodes.
 */
export function findMatches(root: Node, term: string): { ranges: Range[]; more: boolean } {
  if (term === '') return { ranges: [], more: false };
  const nodes: Text[] = [];
  const starts: number[] = [];
  let text = '';
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    nodes.push(node as Text);
    starts.push(text.length);
    text += (node as Text).data;
  }
  const ranges: Range[] = [];
  const pattern = new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
  for (const match of text.matchAll(pattern)) {
    if (ranges.length === MAX_MATCHES) return { ranges, more: true };
    const range = document.createRange();
    const [startNode, startOffset] = locate(nodes, starts, match.index);
    const [endNode, endOffset] = locate(nodes, starts, match.index + match[0].length, true);
    range.setStart(startNode, startOffset);
    range.setEnd(endNode, endOffset);
    ranges.push(range);
  }
  return { ranges, more: false };
}

/** The text node holding position `at` of the joined text, and the offset in it (the end of a node for an end position). */
function locate(nodes: Text[], starts: number[], at: number, end = false): [Text, number] {
  let lo = 0;
  let hi = nodes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! < at || (!end && starts[mid] === at)) lo = mid;
    else hi = mid - 1;
  }
  return [nodes[lo]!, at - starts[lo]!];
}

/** True where the CSS Custom Highlight API exists (Chromium, Electron, Safari 17.2+, Firefox 140+). */
export function canHighlight(): boolean {
  return typeof CSS !== 'undefined' && 'highlights' in CSS && typeof Highlight !== 'undefined';
}

/** Marks every match, and the current one apart; no DOM is touched, so output may go on arriving. */
export function highlight(ranges: Range[], current: number): void {
  if (!canHighlight()) return;
  CSS.highlights.set(ALL, new Highlight(...ranges));
  const now = ranges[current];
  if (now) CSS.highlights.set(CURRENT, new Highlight(now));
  else CSS.highlights.delete(CURRENT);
}

export function clearHighlights(): void {
  if (!canHighlight()) return;
  CSS.highlights.delete(ALL);
  CSS.highlights.delete(CURRENT);
}

/** Scrolls `scroller` so the range sits a third of the way down its view, if it is not in view already. */
export function scrollToRange(scroller: HTMLElement, range: Range): void {
  const box = range.getBoundingClientRect();
  const view = scroller.getBoundingClientRect();
  if (box.top >= view.top && box.bottom <= view.bottom) return;
  scroller.scrollTop += box.top - view.top - scroller.clientHeight / 3;
}
