import { Argument, InvalidArgumentError, type Command } from 'commander';
import { PRODUCT_VERSION, type Job } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { resolveHome } from '../../protocol/node/paths.js';
import { completionScript } from '../completion/scripts.js';
import { buildSpec, SHELLS, type Shell } from '../completion/spec.js';
import { safeLine } from '../format.js';
import { printJson } from '../output.js';
import { integer, state } from '../parse.js';

/** `__complete ids` gives up after this long (a daemon that does not answer must not hang the shell). */
const IDS_TIMEOUT_MS = 1500;

function shell(raw: string): Shell {
  if (!(SHELLS as readonly string[]).includes(raw)) throw new InvalidArgumentError(`unknown shell "${raw}"; queuectl completes ${SHELLS.join(', ')}.`);
  return raw as Shell;
}

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (commands, flags, states, config keys, and job ids from the running daemon)')
    .addArgument(new Argument('<shell>', SHELLS.join(', ')).argParser(shell))
    .addHelpText(
      'after',
      `
Load it:
  bash  ~/.bashrc:                 source <(queuectl completion bash)
  zsh   ~/.zshrc, after compinit:  source <(queuectl completion zsh)
  fish  config.fish:               queuectl completion fish | source`,
    )
    .action((sh: Shell, _opts: unknown, cmd: Command) => {
      let root = cmd;
      while (root.parent) root = root.parent;
      process.stdout.write(completionScript(sh, buildSpec(root), PRODUCT_VERSION));
    });

  // Called by the completion scripts; hidden from help and from completion itself.
  program
    .command('__complete', { hidden: true })
    .description('values for the shell completion scripts: ids (recent job ids, tab, a description); tree (the command tree as JSON)')
    .argument('<what>', 'ids or tree')
    .option('--state <state>', 'ids: only jobs in this state', state)
    .option('--limit <n>', 'ids: at most n (default 50)', integer(1, 1000))
    .action(async (what: string, opts: { state?: Job['state']; limit?: number }, cmd: Command) => {
      if (what === 'tree') {
        let root = cmd;
        while (root.parent) root = root.parent;
        return printJson(buildSpec(root));
      }
      if (what === 'ids') return completeIds(opts.state, opts.limit ?? 50);
      // Unknown: nothing to offer (a newer script with an older queuectl must not print errors into the prompt).
    });
}

/**
 * Recent job ids, newest first, one per line as "id<TAB>state · command": one `list` call. Nothing at all
 * (exit 0) when no daemon runs, it refuses, or it does not answer within IDS_TIMEOUT_MS.
 */
async function completeIds(st: Job['state'] | undefined, limit: number): Promise<void> {
  const timer = setTimeout(() => process.exit(0), IDS_TIMEOUT_MS);
  timer.unref();
  let client: RpcClient | null = null;
  try {
    client = await RpcClient.connect(resolveHome(), 'completion');
    const { jobs } = await client.call('list', st ? { state: st, limit } : { limit });
    const text = jobs.map((j) => `${j.id}\t${j.state} · ${safeLine(j.name ? `[${j.name}] ${j.command}` : j.command).slice(0, 60)}`).join('\n');
    if (text) process.stdout.write(text + '\n');
  } catch {
    /* no daemon, no ids */
  } finally {
    client?.close();
    clearTimeout(timer);
  }
}
