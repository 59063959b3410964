# bash completion for redock(1): commands, their options, NAMEs from
# "redock list" (a NAME of your own repository as its TAG alone, unless
# what is typed has a colon), and a NAME's snapshot numbers from
# "redock snapshots NAME". Needs no bash-completion package.
# Installed as $(PREFIX)/share/bash-completion/completions/redock.

_redock_commands="start shell exec test up down stop commit kill delete snapshot snapshots restore reset freeze unfreeze clone save load put list sync ssh-config link unlink links base"
_redock_global_options="-H --host --context -v --verbose -q --quiet -h --help --version"

# The NAMEs redock knows of, those of the user's own repository as their
# TAG unless $1, the word typed so far, has a colon; the rest of the
# arguments is the -H or --context option, if any, to pass on.
_redock_names() {
	local user=${USER:-$(id -un)} full=0

	[[ $1 != *:* ]] || full=1
	shift
	redock "$@" list 2>/dev/null |
	    awk -v u="$(tr A-Z a-z <<<"$user")" -v full=$full '
		NR > 1 && NF {
			n = $1
			if (!full && index(n, u ":") == 1)
				n = substr(n, length(u) + 2)
			print n
		}'
}

# The docker CLI's contexts: "default" and the Name of each meta.json of
# its store, $DOCKER_CONFIG (else ~/.docker)/contexts.
_redock_contexts() {
	local f m re='^\{"Name":"([^"\\]*)"'

	echo default
	for f in "${DOCKER_CONFIG:-$HOME/.docker}"/contexts/meta/*/meta.json; do
		[ -f "$f" ] && m=$(<"$f") && [[ $m =~ $re ]] &&
		    echo "${BASH_REMATCH[1]}"
	done
}

# The snapshot numbers of NAME $1, from the first column of "redock
# snapshots NAME" (its heading left out); the rest of the arguments is
# the -H or --context option, if any, to pass on.
_redock_snapshots() {
	local name=$1

	shift
	redock "$@" snapshots "$name" 2>/dev/null |
	    awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1 }'
}

# Bash splits the line at every character of COMP_WORDBREAKS, ':' among
# them: "aud1:web" arrives as "aud1" ":" "web", and "-H tcp://h:2375"
# as five words. This joins them again into words[] and cword, as
# bash-completion's "_get_comp_words_by_ref -n :" does: a run of colons
# and the words it touches (no blank between them in COMP_LINE) are one
# word. Without COMP_LINE, the words stay as they are.
_redock_words() {
	local i j=-1 w ws line=${COMP_LINE-}

	words=("${COMP_WORDS[@]}")
	cword=$COMP_CWORD
	[ -n "$line" ] || return 0
	words=()
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		ws=${line%%[![:space:]]*}
		line=${line#"$ws"}
		if [ "$j" -ge 0 ] && [ -z "$ws" ] &&
		    [[ ( -n $w && -z ${w//:} ) || ${words[j]} == *: ]]; then
			words[j]+=$w
		else
			words[++j]=$w
		fi
		line=${line#"$w"}
		[ "$i" -ne "$COMP_CWORD" ] || cword=$j
	done
}

# Readline replaces only what follows the last character of
# COMP_WORDBREAKS in the word: take what the word already has off
# each offer (bash-completion's __ltrim_colon_completions).
_redock_ltrim_colon() {
	local i pre

	[[ $1 == *:* && $COMP_WORDBREAKS == *:* ]] || return 0
	pre=${1%"${1##*:}"}
	for i in "${!COMPREPLY[@]}"; do
		COMPREPLY[i]=${COMPREPLY[i]#"$pre"}
	done
}

_redock_options() {
	case $1 in
	start)		echo "--no-shell --upgrade -f -n --user --mount --forward-agent -h --help" ;;
	test|up|down)	echo "-f -h --help" ;;
	save)		echo "-o -h --help" ;;
	load)		echo "-i --as -h --help" ;;
	exec)		echo "-t --here --start -h --help" ;;
	link)		echo "--dir --as -h --help" ;;
	unlink)		echo "--dir -h --help" ;;
	links)		echo "--json --dir -h --help" ;;
	commit)		echo "-m -h --help" ;;
	snapshot)	echo "-m -d -h --help" ;;
	snapshots)	echo "--json -h --help" ;;
	list)		echo "--json -h --help" ;;
	sync)		echo "--dry-run --force -h --help" ;;
	base)		echo "--rebuild --from --rm -h --help" ;;
	*)		echo "-h --help" ;;
	esac
}

_redock() {
	local -a words
	local cword cur prev i cmd= cmdi=0 operands=0 host=() name= remove=0

	_redock_words
	cur=${words[cword]}
	prev=${words[cword-1]}
	# The command is the first word that is not a global option.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-H|--host)	host=(-H "${words[i+1]}"); ((i++)) ;;
		--context)	host=(--context "${words[i+1]}"); ((i++)) ;;
		-*)		;;
		*)		cmd=${words[i]}; cmdi=$i; break ;;
		esac
	done
	COMPREPLY=()
	if [ -z "$cmd" ]; then
		case $prev in
		-H|--host)	return 0 ;;
		--context)
			COMPREPLY=($(compgen -W "$(_redock_contexts)" -- "$cur"))
			return 0 ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$_redock_global_options" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_redock_commands" -- "$cur"))
		fi
		return 0
	fi

	# Options that take an argument: files or directories for those
	# that name one, nothing for the others.
	case $cmd:$prev in
	start:-f|test:-f|up:-f|down:-f|save:-o|load:-i)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0 ;;
	start:--mount|link:--dir|unlink:--dir|links:--dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0 ;;
	start:-n|commit:-m|snapshot:-m|base:--from|link:--as|load:--as)
		return 0 ;;
	esac
	for ((i = cmdi + 1; i < cword; i++)); do
		case $cmd:${words[i]} in
		start:-n|start:--mount|commit:-m|base:--from) ((i++)) ;;
		start:-f|test:-f|up:-f|down:-f|save:-o|load:-i|load:--as)
			((i++)) ;;
		snapshot:-m) ((i++)) ;;
		link:--dir|link:--as|unlink:--dir|links:--dir) ((i++)) ;;
		snapshot:-d) remove=1 ;;
		*:--) ;;
		*:-*) ;;
		*)	[ "$operands" -ne 0 ] || name=${words[i]}
			((operands++)) ;;
		esac
	done
	# After restore's NAME, or snapshot -d's, come its snapshots.
	if [ "$operands" -ge 1 ] && [[ $cur != -* ]] &&
	    { [ "$cmd" = restore ] || [ "$cmd:$remove" = snapshot:1 ]; }; then
		[ "$cmd" != restore ] || [ "$operands" -eq 1 ] || return 0
		COMPREPLY=($(compgen -W "$(_redock_snapshots "$name" \
		    "${host[@]}")" -- "$cur"))
		return 0
	fi
	# After exec's NAME come the command's own words: files; after
	# link's, programs.
	if [ "$cmd" = exec ] && [ "$operands" -ge 1 ]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		_redock_ltrim_colon "$cur"
		return 0
	fi
	if [ "$cmd" = link ] && [ "$operands" -ge 1 ]; then
		COMPREPLY=($(compgen -c -- "$cur"))
		return 0
	fi
	# After put's NAME comes its archive.
	if [ "$cmd" = put ] && [ "$operands" -eq 1 ] && [[ $cur != -* ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_redock_options "$cmd")" -- "$cur"))
		return 0
	fi
	case $cmd in
	shell|exec|ssh-config|link|snapshot|snapshots|restore|freeze|unfreeze|\
	    clone|put)
		[ "$operands" -eq 0 ] || return 0 ;;
	start|stop|commit|kill|delete|reset|test|up|down|save) ;;
	*)	return 0 ;;
	esac
	COMPREPLY=($(compgen -W "$(_redock_names "$cur" "${host[@]}")" \
	    -- "$cur"))
	_redock_ltrim_colon "$cur"
}

complete -F _redock redock
