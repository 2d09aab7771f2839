import type { CommandSpec } from './spec.js';
import { scriptHeader } from './header.js';
import { shQuote } from './quote.js';
import { scriptData } from './script-data.js';

/** bash: the tables as `case` functions that answer in `__queuectl_r`, and a `complete -F` function that fills COMPREPLY. */
export function bashScript(root: CommandSpec, version: string): string {
  const d = scriptData(root);
  const words = (pairs: Array<[string, string]>): string => shQuote(pairs.map(([n]) => n).join(' '));
  return `${scriptHeader('bash', version, [
    'Load it from ~/.bashrc:  source <(queuectl completion bash)',
    'or install it:           queuectl completion bash > ~/.local/share/bash-completion/completions/queuectl',
  ])}

# <path> <word>: the path of the subcommand <word> names (in __queuectl_r), or status 1.
__queuectl_sub() {
  case "$1|$2" in
${d.sub.map(([k, v]) => `    ${shQuote(k)}) __queuectl_r=${shQuote(v)} ;;`).join('\n')}
    *) return 1 ;;
  esac
}

# <path>: its subcommands and their aliases.
__queuectl_subs() {
  case "$1" in
${d.subs.map(([k, v]) => `    ${shQuote(k)}) __queuectl_r=${words(v)} ;;`).join('\n')}
    *) __queuectl_r='' ;;
  esac
}

# <path>: its options.
__queuectl_opts() {
  case "$1" in
${d.opts.map(([k, v]) => `    ${shQuote(k)}) __queuectl_r=${words(v)} ;;`).join('\n')}
    *) __queuectl_r='' ;;
  esac
}

# <path> <option>: what the option's value is, or status 1 for a flag (or an unknown option).
__queuectl_optval() {
  case "$1|$2" in
${d.optval.map(([k, v]) => `    ${shQuote(k)}) __queuectl_r=${shQuote(v)} ;;`).join('\n')}
    *) return 1 ;;
  esac
}

# <path> <n>: what the n-th positional argument (from 0) is.
__queuectl_arg() {
  local -a kinds=()
  local variadic=0
  case "$1" in
${d.args.map(([k, kinds, variadic]) => `    ${shQuote(k)}) kinds=(${kinds.map(shQuote).join(' ')})${variadic ? '; variadic=1' : ''} ;;`).join('\n')}
  esac
  if (( $2 < \${#kinds[@]} )); then
    __queuectl_r=\${kinds[$2]}
  elif (( variadic )); then
    __queuectl_r=\${kinds[\${#kinds[@]}-1]}
  else
    __queuectl_r=-
  fi
}

# <kind> <word>: fills COMPREPLY with the values of that kind that start with <word>.
__queuectl_values() {
  local kind=$1 cur=$2 id rest ids='' done=''
  COMPREPLY=()
  case "$kind" in
    w:*) COMPREPLY=($(compgen -W "\${kind#w:}" -- "$cur")) ;;
    l:*)
      [[ $cur == *,* ]] && done="\${cur%,*},"
      COMPREPLY=($(compgen -P "$done" -W "\${kind#l:}" -- "\${cur##*,}"))
      compopt -o nospace 2>/dev/null
      ;;
    ids|ids:*)
      local state=\${kind#ids}
      state=\${state#:}
      while IFS=$'\\t' read -r id rest; do ids+=" $id"; done < <(command queuectl __complete ids \${state:+--state "$state"} 2>/dev/null)
      COMPREPLY=($(compgen -W "$ids" -- "$cur"))
      ;;
    dirs)
      local IFS=$'\\n'
      COMPREPLY=($(compgen -d -- "$cur"))
      compopt -o filenames 2>/dev/null
      ;;
    files)
      local IFS=$'\\n'
      COMPREPLY=($(compgen -f -- "$cur"))
      compopt -o filenames 2>/dev/null
      ;;
  esac
}

_queuectl() {
  local __queuectl_r='' path='' cur w expect='' opt i n
  local -i npos=0 dashdash=0
  local -a ws=()
  # Words as typed: bash splits --state=pen at '=' (COMP_WORDBREAKS); put them back together.
  for (( i = 1; i <= COMP_CWORD; i++ )); do
    w=\${COMP_WORDS[i]}
    n=\${#ws[@]}
    if (( n > 0 )) && [[ \${ws[n-1]} == --* ]] && { [[ $w == = ]] || [[ \${ws[n-1]} == --*= && \${COMP_WORDS[i-1]} == = ]]; }; then
      ws[n-1]+=$w
    else
      ws+=("$w")
    fi
  done
  n=\${#ws[@]}
  cur=\${ws[n-1]}
  for (( i = 0; i < n - 1; i++ )); do
    w=\${ws[i]}
    if [[ -n $expect ]]; then expect=''; continue; fi
    if (( !dashdash )) && [[ $w == -- ]]; then dashdash=1; continue; fi
    if (( !dashdash )) && [[ $w == -?* ]]; then
      if [[ $w != *=* ]] && __queuectl_optval "$path" "$w"; then expect=$w; fi
      continue
    fi
    if (( npos == 0 )) && __queuectl_sub "$path" "$w"; then path=$__queuectl_r; continue; fi
    npos=npos+1
  done
  if [[ -n $expect ]]; then
    __queuectl_optval "$path" "$expect"
    __queuectl_values "$__queuectl_r" "$cur"
    return 0
  fi
  if (( !dashdash )) && [[ $cur == --*=* ]]; then
    opt=\${cur%%=*}
    __queuectl_optval "$path" "$opt" || return 0
    __queuectl_values "$__queuectl_r" "\${cur#*=}"
    # Without '=' in COMP_WORDBREAKS the word under the cursor is the whole --opt=value.
    [[ $COMP_WORDBREAKS == *=* ]] || COMPREPLY=("\${COMPREPLY[@]/#/$opt=}")
    return 0
  fi
  if (( !dashdash )) && [[ $cur == -* ]]; then
    __queuectl_opts "$path"
    COMPREPLY=($(compgen -W "$__queuectl_r" -- "$cur"))
    return 0
  fi
  if (( npos == 0 )); then
    __queuectl_subs "$path"
    if [[ -n $__queuectl_r ]]; then
      COMPREPLY=($(compgen -W "$__queuectl_r" -- "$cur"))
      return 0
    fi
  fi
  __queuectl_arg "$path" "$npos"
  __queuectl_values "$__queuectl_r" "$cur"
  return 0
}

complete -F _queuectl queuectl
`;
}
