import { displayWidth, pad, terminalWidth, truncate } from './format.js';
import { bold, printLine } from './output.js';

/** One column of a table for people. */
export interface Column {
  header: string;
  /** May be cut (with "…") down to this many columns when the table is wider than the terminal. */
  shrinkTo?: number;
  /** May be left out when the table is still too wide; lower numbers go first. */
  dropOrder?: number;
  align?: 'left' | 'right';
}

const GAP = 2;

/**
 * Widths that fit `width` columns: shrinkable columns give up space first (the widest first, each down to its
 * minimum), then droppable columns are left out (in `dropOrder`). Returns null for columns left out; the
 * result may still be too wide for a very narrow terminal (lines are cut at the end then).
 */
export function fitWidths(columns: readonly Column[], natural: readonly number[], width: number): Array<number | null> {
  const widths: Array<number | null> = [...natural];
  const total = (): number => {
    const shown = widths.filter((w): w is number => w !== null);
    return shown.reduce((a, b) => a + b, 0) + GAP * Math.max(0, shown.length - 1);
  };
  const shrink = (): void => {
    let excess = total() - width;
    while (excess > 0) {
      let best = -1;
      for (let i = 0; i < columns.length; i++) {
        const w = widths[i];
        const min = columns[i]!.shrinkTo;
        if (w === null || w === undefined || min === undefined || w <= min) continue;
        if (best === -1 || w > widths[best]!) best = i;
      }
      if (best === -1) return;
      widths[best] = widths[best]! - 1;
      excess--;
    }
  };
  shrink();
  const droppable = columns
    .map((c, i) => ({ order: c.dropOrder, i }))
    .filter((c): c is { order: number; i: number } => c.order !== undefined)
    .sort((a, b) => a.order - b.order);
  for (const { i } of droppable) {
    if (total() <= width) break;
    widths[i] = null;
    // A dropped column's space goes back to the shrunk ones.
    for (let j = 0; j < columns.length; j++) if (widths[j] !== null && columns[j]!.shrinkTo !== undefined) widths[j] = natural[j]!;
    shrink();
  }
  return widths;
}

/**
 * The table's lines, aligned. With `width` (a terminal), the table is fitted to it as `fitWidths` says and
 * any line still too long is cut; without, every cell is printed in full.
 */
export function tableLines(columns: readonly Column[], rows: readonly string[][], width: number | null): string[] {
  const natural = columns.map((c, i) => Math.max(displayWidth(c.header), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const widths = width === null ? natural : fitWidths(columns, natural, width);
  const shown = columns.map((_, i) => i).filter((i) => widths[i] !== null);
  const last = shown[shown.length - 1];
  const line = (cells: readonly string[], header: boolean): string => {
    const parts = shown.map((i) => {
      const w = widths[i]!;
      const cell = truncate(cells[i] ?? '', w);
      const text = header ? bold(cell) : cell;
      // The last column is not padded: no trailing spaces.
      return i === last && columns[i]!.align !== 'right' ? text : pad(text, w, columns[i]!.align);
    });
    const text = parts.join(' '.repeat(GAP));
    return width !== null && displayWidth(text) > width ? truncate(text, width) : text;
  };
  return [line(columns.map((c) => c.header), true), ...rows.map((r) => line(r, false))];
}

/** Whether tables are fitted to the terminal: only on a terminal, and not with --wide. */
export function fitWidth(wide = false): number | null {
  return process.stdout.isTTY && !wide ? terminalWidth() : null;
}

/** Prints a table for people: fitted to the terminal unless `wide` or stdout is not a terminal. */
export function printFitted(columns: readonly Column[], rows: readonly string[][], wide = false): void {
  for (const l of tableLines(columns, rows, fitWidth(wide))) printLine(l);
}
