import { bashScript } from './bash.js';
import { fishScript } from './fish.js';
import type { CommandSpec, Shell } from './spec.js';
import { zshScript } from './zsh.js';

/**
 * The completion scripts. Each has the same parts: data functions generated from the spec (a command's
 * subcommands, options, which options take a value and what it is, what each positional argument is:
 * script-data.ts) and one small engine written for the shell (bash.ts, zsh.ts, fish.ts), which walks the
 * words typed so far (options and their values, subcommands, positional arguments, `--`, `--opt=value`)
 * and completes the word under the cursor. Job ids come from `queuectl __complete ids` (nothing, at once,
 * when no daemon runs).
 */

/** The script `queuectl completion <shell>` prints. */
export function completionScript(shell: Shell, root: CommandSpec, version: string): string {
  switch (shell) {
    case 'bash':
      return bashScript(root, version);
    case 'zsh':
      return zshScript(root, version);
    case 'fish':
      return fishScript(root, version);
    default: {
      const never: never = shell;
      return never;
    }
  }
}
