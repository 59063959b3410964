# bash completion for redock(1): commands, their options, and NAMEs from
# "redock list" (a NAME of your own repository as its TAG alone).
# Installed as $(PREFIX)/share/bash-completion/completions/redock.

_redock_commands="start shell exec commit kill delete list sync ssh-config base"
_redock_global_options="-H --host -v --verbose -q --quiet -h --help --version"

# The NAMEs redock knows of; $1 is the -H option, if any, to pass on.
_redock_names() {
	local user=${USER:-$(id -un)}

	redock "$@" list 2>/dev/null | awk -v u="$(tr A-Z a-z <<<"$user")" '
		NR > 1 {
			n = $1
			if (index(n, u ":") == 1)
				n = substr(n, length(u) + 2)
			print n
		}'
}

_redock_options() {
	case $1 in
	start)		echo "--no-shell -n -h --help" ;;
	exec)		echo "-t -h --help" ;;
	commit)		echo "-m -h --help" ;;
	list)		echo "--json -h --help" ;;
	sync)		echo "--force -h --help" ;;
	base)		echo "--rebuild --from --rm -h --help" ;;
	*)		echo "-h --help" ;;
	esac
}

_redock() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local i cmd= cmdi=0 operands=0 host=()

	# The command is the first word that is not a global option.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-H|--host)	host=(-H "${COMP_WORDS[i+1]}"); ((i++)) ;;
		-*)		;;
		*)		cmd=${COMP_WORDS[i]}; cmdi=$i; break ;;
		esac
	done
	COMPREPLY=()
	if [ -z "$cmd" ]; then
		case $prev in -H|--host) return 0 ;; esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$_redock_global_options" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_redock_commands" -- "$cur"))
		fi
		return 0
	fi

	# Options that take an argument: nothing to offer for it.
	case $cmd:$prev in
	start:-n|commit:-m|base:--from) return 0 ;;
	esac
	for ((i = cmdi + 1; i < COMP_CWORD; i++)); do
		case $cmd:${COMP_WORDS[i]} in
		start:-n|commit:-m|base:--from) ((i++)) ;;
		*:--) ;;
		*:-*) ;;
		*) ((operands++)) ;;
		esac
	done
	# After exec's NAME come the command's own words: files.
	if [ "$cmd" = exec ] && [ "$operands" -ge 1 ]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_redock_options "$cmd")" -- "$cur"))
		return 0
	fi
	case $cmd in
	shell|exec|ssh-config)
		[ "$operands" -eq 0 ] || return 0 ;;
	start|commit|kill|delete) ;;
	*)	return 0 ;;
	esac
	COMPREPLY=($(compgen -W "$(_redock_names "${host[@]}")" -- "$cur"))
}

complete -F _redock redock
