import type { CommandSpec } from './spec.js';
import { scriptHeader } from './header.js';
import { fishQuote } from './quote.js';
import { scriptData } from './script-data.js';

/** fish: the tables as `switch` functions that print their answer, and one `complete -a` that prints the candidates. */
export function fishScript(root: CommandSpec, version: string): string {
  const d = scriptData(root);
  const lines = (pairs: Array<[string, string]>): string => `printf '%s\\t%s\\n' ${pairs.map(([n, desc]) => `${fishQuote(n)} ${fishQuote(desc)}`).join(' ')}`;
  return `${scriptHeader('fish', version, [
    'Load it from ~/.config/fish/config.fish:  queuectl completion fish | source',
    'or install it:  queuectl completion fish > ~/.config/fish/completions/queuectl.fish',
  ])}

# <path> <word>: the path of the subcommand <word> names, or status 1.
function __queuectl_sub --argument-names qpath word
    switch "$qpath|$word"
${d.sub.map(([k, v]) => `        case ${fishQuote(k)}\n            echo ${fishQuote(v)}`).join('\n')}
        case '*'
            return 1
    end
end

# <path>: its subcommands and their aliases, with descriptions.
function __queuectl_subs --argument-names qpath
    switch "$qpath"
${d.subs.map(([k, v]) => `        case ${fishQuote(k)}\n            ${lines(v)}`).join('\n')}
    end
end

# <path>: its options, with descriptions.
function __queuectl_opts --argument-names qpath
    switch "$qpath"
${d.opts.map(([k, v]) => `        case ${fishQuote(k)}\n            ${v.length > 0 ? lines(v) : 'true'}`).join('\n')}
    end
end

# <path> <option>: what the option's value is, or status 1 for a flag (or an unknown option).
function __queuectl_optval --argument-names qpath opt
    switch "$qpath|$opt"
${d.optval.map(([k, v]) => `        case ${fishQuote(k)}\n            echo ${fishQuote(v)}`).join('\n')}
        case '*'
            return 1
    end
end

# <path> <n>: what the n-th positional argument (from 0) is.
function __queuectl_arg --argument-names qpath n
    set -l kinds
    set -l variadic 0
    switch "$qpath"
${d.args.map(([k, kinds, variadic]) => `        case ${fishQuote(k)}\n            set kinds ${kinds.map(fishQuote).join(' ')}${variadic ? '\n            set variadic 1' : ''}`).join('\n')}
    end
    if test $n -lt (count $kinds)
        echo $kinds[(math $n + 1)]
    else if test $variadic = 1
        echo $kinds[-1]
    else
        echo -
    end
end

# <kind> <word>: the values of that kind (fish filters them by what is typed).
function __queuectl_values --argument-names kind cur
    switch "$kind"
        case 'w:*'
            string split ' ' -- (string sub -s 3 -- "$kind")
        case 'l:*'
            set -l done (string replace -r '[^,]*$' '' -- "$cur")
            for w in (string split ' ' -- (string sub -s 3 -- "$kind"))
                echo "$done$w"
            end
        case ids 'ids:*'
            set -l state (string replace -r '^ids:?' '' -- "$kind")
            if test -n "$state"
                command queuectl __complete ids --state $state 2>/dev/null
            else
                command queuectl __complete ids 2>/dev/null
            end
        case dirs
            __fish_complete_directories "$cur"
        case files
            __fish_complete_path "$cur"
    end
end

# The words after "queuectl" up to the cursor, then the word under the cursor: the candidates, one per line.
function __queuectl_candidates
    set -l cur $argv[-1]
    set -e argv[-1]
    set -l qpath ''
    set -l expect ''
    set -l sub ''
    set -l npos 0
    set -l dashdash 0
    for w in $argv
        if test -n "$expect"
            set expect ''
            continue
        end
        if test $dashdash = 0; and test "$w" = --
            set dashdash 1
            continue
        end
        if test $dashdash = 0; and string match -qr -- '^-.' "$w"
            if not string match -q -- '*=*' "$w"; and __queuectl_optval "$qpath" "$w" >/dev/null
                set expect "$w"
            end
            continue
        end
        if test $npos = 0; and set sub (__queuectl_sub "$qpath" "$w")
            set qpath "$sub"
            continue
        end
        set npos (math $npos + 1)
    end
    if test -n "$expect"
        __queuectl_values (__queuectl_optval "$qpath" "$expect") "$cur"
        return
    end
    if test $dashdash = 0; and string match -q -- '--*=*' "$cur"
        set -l parts (string split -m 1 = -- "$cur")
        set -l kind (__queuectl_optval "$qpath" $parts[1]); or return
        for v in (__queuectl_values "$kind" "$parts[2]")
            echo "$parts[1]=$v"
        end
        return
    end
    if test $dashdash = 0; and string match -q -- '-*' "$cur"
        __queuectl_opts "$qpath"
        return
    end
    if test $npos = 0
        set -l subs (__queuectl_subs "$qpath")
        if test (count $subs) -gt 0
            printf '%s\\n' $subs
            return
        end
    end
    __queuectl_values (__queuectl_arg "$qpath" $npos) "$cur"
end

complete -c queuectl -e
complete -c queuectl -f -a '(__queuectl_candidates (commandline -opc)[2..-1] (commandline -ct))'
`;
}
