# SPDX-License-Identifier: GPL-2.0-only
# bash completion for azlxnet(8): objects, commands, keywords and options as
# in the SYNOPSIS of Documentation/azlxnet.8.rst. Objects and commands typed
# as prefixes (azlxnet n s) are resolved the way the tool resolves them.
# Installed as /usr/share/bash-completion/completions/azlxnet.

# _azlxnet_expand WORD LIST...: the one word of LIST that WORD is a prefix
# of (or equals), else nothing
_azlxnet_expand()
{
	local w=$1 c hit='' n=0
	shift
	for c in "$@"; do
		[ "$c" = "$w" ] && { printf '%s' "$c"; return; }
		case "$c" in "$w"*) hit=$c; n=$((n + 1)) ;; esac
	done
	[ $n -eq 1 ] && printf '%s' "$hit"
}

_azlxnet()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=''
	local objects='config disk fastpath help kit metrics module monitor nic pod status tune
		version'
	local global='-j -json -p -pretty -v -verbose -V -version -h -help -c -count'
	# options that take a value (the tool accepts one or two dashes)
	local argopts='c count profile config imds-file root state-dir budget fraction
		critical name interval lat-target credit netns ifname ip mac'
	local words=() i w o a skip=0

	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# The non-option words before the cursor: OBJECT COMMAND ARGS...
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ $skip = 1 ]; then
			skip=0
			continue
		fi
		case "$w" in
		-*=*) ;;
		-*)
			o=${w#-}
			o=${o#-}
			for a in $argopts; do
				[ "$o" = "$a" ] && skip=1
			done
			;;
		*) words+=("$w") ;;
		esac
	done

	# The value of an option
	case "$prev" in
	-profile | --profile)
		mapfile -t COMPREPLY < <(compgen -W 'aks latency throughput' -- "$cur")
		return ;;
	-config | --config | -imds-file | --imds-file)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	-root | --root | -state-dir | --state-dir)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return ;;
	-budget | --budget)
		mapfile -t COMPREPLY < <(compgen -W 'auto' -- "$cur")
		return ;;
	-critical | --critical)
		mapfile -t COMPREPLY < <(compgen -W 'none' -- "$cur")
		return ;;
	-netns | --netns)
		mapfile -t COMPREPLY < <(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")
		return ;;
	-c | -count | --count | -fraction | --fraction | -name | --name | -interval | \
	--interval | -lat-target | --lat-target | -credit | --credit | \
	-ifname | --ifname | -ip | --ip | -mac | --mac)
		return ;;
	esac

	local obj="" cmd="" cmds="" opts="" list=""
	[ ${#words[@]} -ge 1 ] && obj=$(_azlxnet_expand "${words[0]}" $objects)
	case "$obj" in
	module)		cmds='load unload show help' ;;
	config)		cmds='show set help' ;;
	tune)		cmds='plan apply revert show detect help' ;;
	disk)		cmds='show pace unpace record telemetry top help' ;;
	fastpath)	cmds='enable disable show reload watch help' ;;
	pod)		cmds='add del show help' ;;
	nic)		cmds='show help' ;;
	kit)		cmds='add del set show prog help' ;;
	*)		cmds='' ;;
	esac
	[ ${#words[@]} -ge 2 ] && [ -n "$cmds" ] && cmd=$(_azlxnet_expand "${words[1]}" $cmds)

	if [ ${#words[@]} -eq 0 ]; then
		list=$objects
	elif [ ${#words[@]} -eq 1 ] && [ -n "$cmds" ]; then
		list=$cmds
	else
		case "$obj $cmd" in
		'module load')
			list='synthetic_drivers= vf_drivers=' ;;
		'config set')
			list='synthetic-drivers vf-drivers' ;;
		'tune plan')
			opts='--profile --persist --all --config --imds-file --no-imds --root' ;;
		'tune apply')
			opts='--profile --persist --all --config --imds-file --no-imds --root --state-dir' ;;
		'tune revert')
			opts='--dry-run --root --state-dir' ;;
		'tune show')
			opts='--root --state-dir' ;;
		'tune detect')
			opts='--root --config' ;;
		'disk show')
			opts='--root --config --imds-file --no-imds' ;;
		'disk pace')
			opts='--budget --fraction --critical --name --dry-run --lat-target --credit'
			[ ${#words[@]} -eq 2 ] && list=$(ls /sys/class/block 2>/dev/null) ;;
		'disk unpace' | 'disk record')
			[ ${#words[@]} -eq 2 ] &&
				list="$(ls /sys/class/block 2>/dev/null) $(ls /dev/mapper 2>/dev/null | grep '^azlx-')" ;;
		'disk telemetry')
			[ ${#words[@]} -eq 2 ] && list='on off show' ;;
		'disk top')
			opts='--interval -c' ;;
		'nic show' | 'fastpath enable' | 'fastpath disable')
			[ ${#words[@]} -eq 2 ] && list=$(ls /sys/class/net 2>/dev/null) ;;
		'kit add' | 'kit set')
			case "$prev" in
			mode) list='l3 l2' ;;
			policy | peer-policy) list='forward drop' ;;
			netns) list=$(ls /run/netns 2>/dev/null) ;;
			peer | mtu) return ;;
			*)
				if [ ${#words[@]} -eq 2 ]; then
					[ "$cmd" = set ] && list=$(ls /sys/class/net 2>/dev/null)
				elif [ "$cmd" = add ]; then
					list='peer netns mode mtu policy peer-policy'
				else
					list='policy peer-policy'
				fi ;;
			esac ;;
		'kit del' | 'kit show')
			[ ${#words[@]} -eq 2 ] && list=$(ls /sys/class/net 2>/dev/null) ;;
		'kit prog')
			case "${#words[@]}:$(_azlxnet_expand "${words[2]:-}" attach detach show help)" in
			2:*) list='attach detach show help' ;;
			3:attach | 3:detach | 3:show) list=$(ls /sys/class/net 2>/dev/null) ;;
			4:attach | 4:detach) list='primary peer' ;;
			*:attach)
				case "$prev" in
				pinned) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
				id | expected) return ;;
				esac
				list='pinned id expected' ;;
			*:detach)
				[ "$prev" = expected ] && return
				list='expected' ;;
			esac ;;
		'pod add')
			opts='--netns --ifname --ip --mac' ;;
		'pod del')
			opts='--netns --ifname --ip' ;;
		esac
		[ "$obj" = monitor ] && opts='-c'
	fi

	case "$cur" in
	-*)	mapfile -t COMPREPLY < <(compgen -W "$opts $global" -- "$cur") ;;
	*)	mapfile -t COMPREPLY < <(compgen -W "$list" -- "$cur") ;;
	esac
	# no space after PARAM=
	if [ ${#COMPREPLY[@]} -eq 1 ] && [[ ${COMPREPLY[0]} == *= ]]; then
		compopt -o nospace 2>/dev/null
	fi
}
complete -F _azlxnet azlxnet
