#!/usr/bin/env bash
# Validators on separate network stacks on one machine: each validator gets its own network
# namespace with one address, joined by veth pairs to a bridge that lives in a namespace of its
# own, so the host gets no address and no route, and traffic stays inside what this script makes.
#
#   Tools/netns.sh up N [--subnet 10.77.0.0/24]  ratify-v0..v(N-1) at .10+i, ratify-client at .2,
#                                                 bridge ratify-br0 in namespace ratify-hub
#   Tools/netns.sh down                           remove everything (processes inside get SIGTERM,
#                                                 then SIGKILL after 5 s); idempotent
#   Tools/netns.sh exec I|client CMD...           run CMD inside that namespace
#   Tools/netns.sh partition "0,1|2,3"            only links inside a group work; the client
#                                                 reaches all; validators named in no group are
#                                                 cut off alone; replaces any earlier partition
#   Tools/netns.sh heal                           all links back
#   Tools/netns.sh shape I|client --delay-ms D --jitter-ms J --loss-pct P
#                                                 netem on both directions of that namespace's link
#   Tools/netns.sh unshape I|client
#   Tools/netns.sh status                         namespaces, addresses, cut links, shaping
#   Tools/netns.sh check                          can namespaces be made here?
#
# Exit codes: 0 done; 1 failed (one line on stderr says why); 2 usage; 3 (check) namespaces
# cannot be made here, callers skip; 4 (shape) the kernel has no netem, callers skip shaping.
#
# Partitions use no netfilter and no tc action (this CI kernel has neither): in each validator's
# namespace the addresses of validators outside its group get a permanent neighbour entry
# pointing at a MAC address no interface has. Frames to them still leave, the bridge floods
# them, and every receiver drops them as not addressed to it: a silent drop in both directions,
# like a cut cable, while ARP and traffic to the client are untouched. Heal deletes those
# entries and ARP resolves the real addresses again; open TCP connections resume.
# errtrace: the ERR trap of 'up' also fires in the functions it calls.
set -Eeuo pipefail

readonly HUB=ratify-hub BRIDGE=ratify-br0 CLIENT=ratify-client VALIDATOR_PREFIX=ratify-v
readonly VALIDATORS_MAX=100 CLIENT_OFFSET=2 VALIDATOR_OFFSET=10
# Locally administered unicast; owned by no interface, so frames sent to it reach nobody.
readonly CUT_MAC=02:00:00:de:ad:00
readonly EXIT_FAILED=1 EXIT_USAGE=2 EXIT_UNSUPPORTED=3 EXIT_NO_NETEM=4

usage() { sed -n '2,/^# Exit codes/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
fail() { echo "netns.sh: $*" >&2; exit "$EXIT_FAILED"; }
usage_error() { echo "netns.sh: $*; run 'Tools/netns.sh help'" >&2; exit "$EXIT_USAGE"; }

exists() { [[ -e /run/netns/$1 ]]; }

# Validator indices with a namespace, ascending.
validator_indices() {
    local path
    for path in /run/netns/"$VALIDATOR_PREFIX"*; do
        [[ -e $path ]] || continue
        local index=${path#/run/netns/"$VALIDATOR_PREFIX"}
        [[ $index =~ ^[0-9]+$ ]] && echo "$index"
    done | sort -n
}

# The namespace and the bridge port of `I` or `client`.
namespace_of() {
    case $1 in
        client) echo "$CLIENT" ;;
        *) [[ $1 =~ ^[0-9]+$ ]] || usage_error "expected a validator index or 'client', got '$1'"; echo "$VALIDATOR_PREFIX$1" ;;
    esac
}
port_of() { case $1 in client) echo client ;; *) echo "v$1" ;; esac; }

require_namespace() {
    exists "$1" || fail "namespace $1 does not exist; run 'Tools/netns.sh up N' first (or use an index below the N it was made with)"
}

address_of() {
    ip -n "$1" -4 -o addr show dev eth0 | awk '{ split($4, a, "/"); print a[1]; exit }'
}

ipv4_to_int() {
    local IFS=. a b c d
    read -r a b c d <<<"$1"
    echo $(((a << 24) | (b << 16) | (c << 8) | d))
}
int_to_ipv4() { echo "$((($1 >> 24) & 255)).$((($1 >> 16) & 255)).$((($1 >> 8) & 255)).$(($1 & 255))"; }

# Connects namespace $1 to the bridge through hub port $2 with address $3/$4.
attach() {
    local namespace=$1 port=$2 address=$3 prefix=$4
    ip netns add "$namespace"
    ip -n "$namespace" link set lo up
    ip -n "$HUB" link add "$port" type veth peer name eth0 netns "$namespace"
    ip -n "$HUB" link set "$port" master "$BRIDGE" up
    ip -n "$namespace" addr add "$address/$prefix" dev eth0
    ip -n "$namespace" link set eth0 up
}

command_up() {
    local count=${1:-} subnet=10.77.0.0/24
    [[ $count =~ ^[0-9]+$ ]] && ((count >= 1 && count <= VALIDATORS_MAX)) ||
        usage_error "up: expected a validator count 1-$VALIDATORS_MAX, got '${count}'"
    shift
    while (($#)); do
        case $1 in
            --subnet) subnet=${2:-}; shift 2 || usage_error "--subnet needs a value" ;;
            *) usage_error "up: unknown option '$1'" ;;
        esac
    done
    [[ $subnet =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}/([0-9]{1,2})$ ]] || usage_error "--subnet: expected an IPv4 CIDR like 10.77.0.0/24, got '$subnet'"
    local prefix=${subnet#*/} network
    network=$(ipv4_to_int "${subnet%/*}")
    ((prefix >= 8 && prefix <= 24)) || usage_error "--subnet: expected a prefix length 8-24, got /$prefix"
    local size=$((1 << (32 - prefix)))
    ((network % size == 0)) || usage_error "--subnet: $subnet is not a network address; use $(int_to_ipv4 $((network - network % size)))/$prefix"
    ((VALIDATOR_OFFSET + count < size - 1)) || usage_error "--subnet: /$prefix has no room for $count validators at .$VALIDATOR_OFFSET and up"

    local leftover
    leftover=$(existing_namespaces)
    [[ -z $leftover ]] || fail "up: already up ($(echo $leftover)); run 'Tools/netns.sh down' first"

    # A failure half-way leaves nothing behind.
    trap 'echo "netns.sh: up failed; removing what it made" >&2; remove_all >/dev/null 2>&1 || true' ERR
    ip netns add "$HUB"
    ip -n "$HUB" link set lo up
    ip -n "$HUB" link add "$BRIDGE" type bridge
    ip -n "$HUB" link set "$BRIDGE" up
    attach "$CLIENT" client "$(int_to_ipv4 $((network + CLIENT_OFFSET)))" "$prefix"
    local index
    for ((index = 0; index < count; index++)); do
        attach "$VALIDATOR_PREFIX$index" "v$index" "$(int_to_ipv4 $((network + VALIDATOR_OFFSET + index)))" "$prefix"
    done
    trap - ERR
    echo "up: $count validators on bridge $BRIDGE (namespace $HUB), subnet $subnet"
    echo "$CLIENT $(int_to_ipv4 $((network + CLIENT_OFFSET)))"
    for ((index = 0; index < count; index++)); do
        echo "$VALIDATOR_PREFIX$index $(int_to_ipv4 $((network + VALIDATOR_OFFSET + index)))"
    done
}

existing_namespaces() {
    local index
    for index in $(validator_indices); do echo "$VALIDATOR_PREFIX$index"; done
    exists "$CLIENT" && echo "$CLIENT"
    exists "$HUB" && echo "$HUB"
    return 0
}

# Stops the processes inside our namespaces (SIGTERM, SIGKILL after 5 s), then deletes the
# namespaces; deleting the hub takes the bridge and every veth pair with it.
remove_all() {
    local namespaces pids
    namespaces=$(existing_namespaces)
    [[ -n $namespaces ]] || return 0
    pids=$(for namespace in $namespaces; do ip netns pids "$namespace" 2>/dev/null || true; done)
    if [[ -n $pids ]]; then
        kill -TERM $pids 2>/dev/null || true
        local waited
        for ((waited = 0; waited < 50; waited++)); do
            kill -0 $pids 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL $pids 2>/dev/null || true
    fi
    local namespace
    for namespace in $namespaces; do ip netns del "$namespace"; done
    echo "down: removed $(echo $namespaces)${pids:+; stopped processes $(echo $pids)}"
}

command_down() {
    (($# == 0)) || usage_error "down takes no arguments"
    [[ -n $(existing_namespaces) ]] || { echo "down: nothing to remove"; return 0; }
    remove_all
}

command_exec() {
    (($# >= 2)) || usage_error "exec: expected I|client and a command"
    local namespace
    namespace=$(namespace_of "$1")
    require_namespace "$namespace"
    shift
    exec ip netns exec "$namespace" "$@"
}

# The addresses namespace $1 is cut off from.
cut_addresses() {
    ip -n "$1" neigh show dev eth0 | awk -v mac="$CUT_MAC" '$3 == mac { print $1 }'
}

# Deletes every cut neighbour entry in validator namespace $1.
heal_namespace() {
    local address
    for address in $(cut_addresses "$1"); do
        ip -n "$1" neigh del "$address" dev eth0
    done
}

command_heal() {
    (($# == 0)) || usage_error "heal takes no arguments"
    local index
    for index in $(validator_indices); do heal_namespace "$VALIDATOR_PREFIX$index"; done
    echo "heal: all links up"
}

command_partition() {
    (($# == 1)) || usage_error "partition: expected one argument like \"0,1|2,3\""
    [[ $1 =~ ^[0-9]+(,[0-9]+)*(\|[0-9]+(,[0-9]+)*)*$ ]] ||
        usage_error "partition: expected groups of validator indices like \"0,1|2,3\", got '$1'"
    local -a indices
    mapfile -t indices < <(validator_indices)
    ((${#indices[@]})) || fail "partition: no validator namespaces; run 'Tools/netns.sh up N' first"
    # group[i] = the group validator i is in; validators named in no group get one of their own.
    local -A group=()
    local group_number=0 member part
    local -a parts
    IFS='|' read -ra parts <<<"$1"
    for part in "${parts[@]}"; do
        local -a members
        IFS=',' read -ra members <<<"$part"
        for member in "${members[@]}"; do
            member=$((10#$member))
            exists "$VALIDATOR_PREFIX$member" || fail "partition: validator $member has no namespace (validators: ${indices[*]})"
            [[ -z ${group[$member]:-} ]] || fail "partition: validator $member is in two groups"
            group[$member]=$group_number
        done
        group_number=$((group_number + 1))
    done
    local index
    for index in "${indices[@]}"; do
        [[ -n ${group[$index]:-} ]] || { group[$index]=$group_number; group_number=$((group_number + 1)); }
    done

    local -A address=()
    for index in "${indices[@]}"; do address[$index]=$(address_of "$VALIDATOR_PREFIX$index"); done
    # Cut the new links before restoring the ones the previous partition cut and this one does
    # not, so replacing a partition never opens every link for a moment.
    local source target cut=0
    for source in "${indices[@]}"; do
        local -A keep=()
        for target in "${indices[@]}"; do
            [[ ${group[$source]} == "${group[$target]}" ]] && continue
            ip -n "$VALIDATOR_PREFIX$source" neigh replace "${address[$target]}" lladdr "$CUT_MAC" nud permanent dev eth0
            keep[${address[$target]}]=1
            cut=$((cut + 1))
        done
        for target in $(cut_addresses "$VALIDATOR_PREFIX$source"); do
            [[ -n ${keep[$target]:-} ]] || ip -n "$VALIDATOR_PREFIX$source" neigh del "$target" dev eth0
        done
        unset keep
    done
    echo "partition: $1 ($((cut / 2)) links cut; the client reaches all)"
}

command_shape() {
    (($# >= 1)) || usage_error "shape: expected I|client and --delay-ms/--jitter-ms/--loss-pct"
    local target=$1 delay=0 jitter=0 loss=0
    shift
    while (($#)); do
        case $1 in
            --delay-ms) delay=${2:-}; shift 2 || usage_error "--delay-ms needs a value" ;;
            --jitter-ms) jitter=${2:-}; shift 2 || usage_error "--jitter-ms needs a value" ;;
            --loss-pct) loss=${2:-}; shift 2 || usage_error "--loss-pct needs a value" ;;
            *) usage_error "shape: unknown option '$1'" ;;
        esac
    done
    [[ $delay =~ ^[0-9]+$ ]] || usage_error "--delay-ms: expected whole milliseconds, got '$delay'"
    [[ $jitter =~ ^[0-9]+$ ]] || usage_error "--jitter-ms: expected whole milliseconds, got '$jitter'"
    [[ $loss =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v p="$loss" 'BEGIN { exit !(p <= 100) }' ||
        usage_error "--loss-pct: expected a percentage 0-100, got '$loss'"
    local namespace
    namespace=$(namespace_of "$target")
    require_namespace "$namespace"
    local -a netem=(netem delay "${delay}ms" "${jitter}ms" loss "${loss}%")
    local output
    # Both ends of the link: the node's sending side and the bridge port sending to it.
    if ! output=$(ip netns exec "$namespace" tc qdisc replace dev eth0 root "${netem[@]}" 2>&1) ||
        ! output=$(ip netns exec "$HUB" tc qdisc replace dev "$(port_of "$target")" root "${netem[@]}" 2>&1); then
        if [[ $output == *"qdisc kind is unknown"* ]]; then
            ip netns exec "$namespace" tc qdisc del dev eth0 root 2>/dev/null || true
            echo "netns.sh: shape: this kernel has no netem qdisc (sch_netem); link shaping is unavailable here" >&2
            exit "$EXIT_NO_NETEM"
        fi
        fail "shape $target: tc: $(echo $output)"
    fi
    echo "shape: $namespace delay ${delay}ms jitter ${jitter}ms loss ${loss}% each way"
}

command_unshape() {
    (($# == 1)) || usage_error "unshape: expected I|client"
    local namespace
    namespace=$(namespace_of "$1")
    require_namespace "$namespace"
    # Deleting the root qdisc of a device that has only the default one fails; that is fine.
    ip netns exec "$namespace" tc qdisc del dev eth0 root 2>/dev/null || true
    ip netns exec "$HUB" tc qdisc del dev "$(port_of "$1")" root 2>/dev/null || true
    echo "unshape: $namespace"
}

command_status() {
    [[ -n $(existing_namespaces) ]] || { echo "down"; return 0; }
    local index namespace
    for namespace in "$CLIENT" $(for index in $(validator_indices); do echo "$VALIDATOR_PREFIX$index"; done); do
        exists "$namespace" || continue
        local cut qdisc
        cut=$(cut_addresses "$namespace" | paste -sd, -)
        qdisc=$(ip netns exec "$namespace" tc qdisc show dev eth0 | awk '$2 == "netem" { $1 = $2 = $3 = $4 = ""; print }' | xargs)
        echo "$namespace $(address_of "$namespace")${cut:+ cut-from=$cut}${qdisc:+ netem=$qdisc}"
    done
}

command_check() {
    local reason
    if ((EUID != 0)); then
        echo "netns.sh check: network namespaces need root (CAP_NET_ADMIN); running as uid $EUID" >&2
        exit "$EXIT_UNSUPPORTED"
    fi
    command -v ip >/dev/null || { echo "netns.sh check: the 'ip' command (iproute2) is not installed" >&2; exit "$EXIT_UNSUPPORTED"; }
    if exists "$HUB"; then
        echo "ok: namespaces are up already ($HUB exists)"
        return 0
    fi
    # Make and remove a hub with a bridge and one veth pair: the same calls 'up' makes.
    if ! reason=$( {
        ip netns add "$HUB" &&
            ip -n "$HUB" link add "$BRIDGE" type bridge &&
            ip -n "$HUB" link add check0 type veth peer name check1 &&
            ip -n "$HUB" link set check0 master "$BRIDGE"
    } 2>&1); then
        ip netns del "$HUB" 2>/dev/null || true
        echo "netns.sh check: cannot make network namespaces, veth pairs and bridges here: $(echo $reason)" >&2
        exit "$EXIT_UNSUPPORTED"
    fi
    local netem=available
    ip netns exec "$HUB" tc qdisc add dev check0 root netem delay 1ms >/dev/null 2>&1 || netem="unavailable (shape exits $EXIT_NO_NETEM)"
    ip netns del "$HUB"
    echo "ok: network namespaces, veth pairs and bridges work here; netem $netem"
}

main() {
    local command=${1:-help}
    (($#)) && shift
    case $command in
        up) command_up "$@" ;;
        down) command_down "$@" ;;
        exec) command_exec "$@" ;;
        partition) command_partition "$@" ;;
        heal) command_heal "$@" ;;
        shape) command_shape "$@" ;;
        unshape) command_unshape "$@" ;;
        status) command_status "$@" ;;
        check) command_check "$@" ;;
        help | -h | --help) usage ;;
        *) usage_error "unknown command '$command'" ;;
    esac
}

# Everything below needs root; say so once instead of failing on the first ip call.
if [[ ${1:-} != check && ${1:-help} != help && ${1:-} != -h && ${1:-} != --help ]] && ((EUID != 0)); then
    fail "needs root (CAP_NET_ADMIN) to manage network namespaces; run it with sudo"
fi
main "$@"
