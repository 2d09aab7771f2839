import type { CommandSpec } from './spec.js';
import { scriptHeader } from './header.js';
import { shQuote } from './quote.js';
import { scriptData } from './script-data.js';

/** zsh: the tables as `case` functions that answer in REPLY/reply, and a `#compdef` function that offers values with compadd and _describe. */
export function zshScript(root: CommandSpec, version: string): string {
  const d = scriptData(root);
  const described = (pairs: Array<[string, string]>): string => pairs.map(([n, desc]) => shQuote(`${n.replace(/:/g, '\\:')}:${desc}`)).join(' ');
  return `#compdef queuectl
${scriptHeader('zsh', version, [
    'Load it from ~/.zshrc, after compinit:  source <(queuectl completion zsh)',
    'or install it as _queuectl in a directory of your $fpath:  queuectl completion zsh > ~/.zfunc/_queuectl',
  ])}

# <path> <word>: the path of the subcommand <word> names (in REPLY), or status 1.
__queuectl_sub() {
  case "$1|$2" in
${d.sub.map(([k, v]) => `    (${shQuote(k)}) REPLY=${shQuote(v)} ;;`).join('\n')}
    (*) return 1 ;;
  esac
}

# <path>: its subcommands and their aliases, as name:description (in reply).
__queuectl_subs() {
  case "$1" in
${d.subs.map(([k, v]) => `    (${shQuote(k)}) reply=(${described(v)}) ;;`).join('\n')}
    (*) reply=() ;;
  esac
}

# <path>: its options, as option:description (in reply).
__queuectl_opts() {
  case "$1" in
${d.opts.map(([k, v]) => `    (${shQuote(k)}) reply=(${described(v)}) ;;`).join('\n')}
    (*) reply=() ;;
  esac
}

# <path> <option>: what the option's value is (in REPLY), or status 1 for a flag (or an unknown option).
__queuectl_optval() {
  case "$1|$2" in
${d.optval.map(([k, v]) => `    (${shQuote(k)}) REPLY=${shQuote(v)} ;;`).join('\n')}
    (*) return 1 ;;
  esac
}

# <path> <n>: what the n-th positional argument (from 0) is (in REPLY).
__queuectl_arg() {
  local -a kinds
  local variadic=0
  case "$1" in
${d.args.map(([k, kinds, variadic]) => `    (${shQuote(k)}) kinds=(${kinds.map(shQuote).join(' ')})${variadic ? '; variadic=1' : ''} ;;`).join('\n')}
  esac
  if (( $2 < \${#kinds} )); then
    REPLY=\${kinds[$2 + 1]}
  elif (( variadic )); then
    REPLY=\${kinds[-1]}
  else
    REPLY=-
  fi
}

# <kind>: offers the values of that kind.
__queuectl_values() {
  local kind=$1 state line
  local -a values lines
  case $kind in
    (w:*) values=(\${=kind#w:}); compadd -- $values ;;
    (l:*) compset -P '*,'; values=(\${=kind#l:}); compadd -q -S , -- $values ;;
    (ids|ids:*)
      state=\${kind#ids}; state=\${state#:}
      lines=("\${(@f)$(command queuectl __complete ids \${state:+--state} \${state:+$state} 2>/dev/null)}")
      for line in $lines; do
        [[ -n $line ]] && values+=("\${\${line%%$'\\t'*}//:/\\\\:}:\${line#*$'\\t'}")
      done
      _describe -t jobs 'job id' values
      ;;
    (dirs) _files -/ ;;
    (files) _files ;;
  esac
}

_queuectl() {
  local qpath='' w expect='' cur REPLY
  local -a reply
  integer npos=0 dashdash=0 i
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    if [[ -n $expect ]]; then expect=''; continue; fi
    if (( !dashdash )) && [[ $w == -- ]]; then dashdash=1; continue; fi
    if (( !dashdash )) && [[ $w == -?* ]]; then
      if [[ $w != *=* ]] && __queuectl_optval "$qpath" "$w"; then expect=$w; fi
      continue
    fi
    if (( npos == 0 )) && __queuectl_sub "$qpath" "$w"; then qpath=$REPLY; continue; fi
    npos=npos+1
  done
  cur=\${words[CURRENT]}
  if [[ -n $expect ]]; then
    __queuectl_optval "$qpath" "$expect"
    __queuectl_values "$REPLY"
    return
  fi
  if (( !dashdash )) && [[ $cur == --*=* ]]; then
    __queuectl_optval "$qpath" "\${cur%%=*}" || return 1
    compset -P '*='
    __queuectl_values "$REPLY"
    return
  fi
  if (( !dashdash )) && [[ $cur == -* ]]; then
    __queuectl_opts "$qpath"
    _describe -t options option reply
    return
  fi
  if (( npos == 0 )); then
    __queuectl_subs "$qpath"
    if (( \${#reply} )); then
      _describe -t commands command reply
      return
    fi
  fi
  __queuectl_arg "$qpath" $npos
  __queuectl_values "$REPLY"
}

if [[ \${funcstack[1]} == _queuectl ]]; then
  _queuectl "$@"
elif (( \${+functions[compdef]} )); then
  compdef _queuectl queuectl
else
  print -u2 'queuectl completion: run compinit first (autoload -Uz compinit && compinit), then load this script'
fi
`;
}
