/** Quoting for the generated completion scripts: any text becomes one literal word of the shell. */

/** Single-quoted for sh, bash and zsh. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Single-quoted for fish (only \\ and \' are escapes inside). */
export const fishQuote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
