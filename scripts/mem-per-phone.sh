#!/bin/sh
# mem-per-phone.sh - where a phone's memory goes, in bytes per phone at the
# heap's peak of `sipsim bench experiment devices N --hours H`.
#
#   scripts/mem-per-phone.sh [BIN] [N] [HOURS]     # defaults: build-rel/sipsim 1000 1
#
# Runs the benchmark under valgrind's massif with GLib's allocation
# functions declared as allocators (so a g_strdup is charged to its
# caller), takes the peak snapshot, puts every allocation site in one
# group by its first three callers (the rules below, first match wins)
# and prints a Markdown table: bytes per phone for each group, the heap in
# use, and malloc's own overhead (massif's "extra-heap").  This is the
# table of doc/performance.md "Memory per phone (issue 17 items 2 and
# 3)".  Needs valgrind and python3 (scripts/install-deps.sh --bench); a
# 1,000-phone hour takes about 12 s of CPU under massif.  MASSIF_OUT keeps
# the massif file (default: a temporary file, removed).
set -eu
bin=${1:-build-rel/sipsim}
n=${2:-1000}
hours=${3:-1}
out=${MASSIF_OUT:-$(mktemp)}
fns="g_malloc g_malloc0 g_realloc g_try_malloc g_malloc_n g_malloc0_n g_realloc_n
     g_slice_alloc g_slice_alloc0 g_memdup2 g_strdup g_strndup g_strdup_printf
     g_strdup_vprintf g_vasprintf g_hash_table_new_full g_hash_table_new
     g_array_sized_new g_array_new g_ptr_array_new g_ptr_array_sized_new
     g_array_append_vals g_hash_table_insert g_hash_table_add g_hash_table_replace
     g_ptr_array_add g_array_insert_vals"
args=""
for f in $fns; do args="$args --alloc-fn=$f"; done
# shellcheck disable=SC2086
valgrind --tool=massif --massif-out-file="$out" --threshold=0.1 --depth=16 \
    --detailed-freq=3 --max-snapshots=150 $args \
    "$bin" bench experiment devices "$n" --hours "$hours" >/dev/null 2>&1
python3 - "$out" "$n" <<'PY'
import collections, re, sys
path, n = sys.argv[1], int(sys.argv[2])
text = open(path).read()
peak = None
snaps = {}
for block in text.split('#-----------\nsnapshot=')[1:]:
    num = int(block.split('\n', 1)[0])
    snaps[num] = block
    if 'heap_tree=peak' in block:
        peak = num
if peak is None:
    sys.exit("no peak snapshot in the massif file")
block = snaps[peak]
extra = int(re.search(r'mem_heap_extra_B=(\d+)', block).group(1))
rules = [
 ("parsed SIP messages held by transactions (models/sip)", ["sip_msg_parse"]),
 ("c-ares channels of the lookups in flight (sim/host)", ["ares_init_options", "a_socket", "ares_send"]),
 ("observations kept for the metrics (experiment)", ["on_device_event", "probe_finish", "on_probe",
                                                      "run_add_host", "g_array_append_vals < build_device"]),
 ("transactions: structs, match keys, held responses (models/sip)", ["txn_alloc", "txn_set_last", "txn_link"]),
 ("registration legs and digest clients (models/device)", ["device_reg_new", "sip_digest_client_new"]),
 ("accounts: DeviceAccount, transport, transaction layer, STUN, keep-alive, dialog set", ["device_account_new"]),
 ("Device with its DeviceConfig (models/device)", ["device_new < build_device", "device_build < build_device",
                                                   "device_config_copy"]),
 ("device resolver, locator and its DNS answers", ["host_resolver_new", "device_locator_new", "on_answer",
                                                   "target_done", "finish_answer"]),
 ("NAT instances and their bindings (models/nat)", ["nat_new", "outbound_binding", "nat_hook"]),
 ("registrar bindings and probes (models/proxy)", ["handle_request", "binding_probe_fire", "on_request"]),
 ("nodes, interfaces, links, routes, sockets, the run's address table (sim/net, experiment)",
  ["sim_node_new", "sim_node_add_iface", "sim_link_new", "attach_to_core", "sim_udp_open",
   "g_hash_table_insert < run_world_build", "run_world_build < run_execute"]),
 ("timer heap (sim/kernel)", ["sim_timer_start_at"]),
 ("random-stream names (sim/kernel)", ["sim_world_rng_init"]),
 ("formatted names (nodes, units, AORs, instance)", ["vasprintf", "g_strdup_vprintf"]),
]
agg = collections.Counter()
stack = []
for line in block.split('\n'):
    m = re.match(r'^( *)n(\d+): (\d+) (.*)$', line)
    if not m:
        continue
    depth, nchild, size = len(m.group(1)), int(m.group(2)), int(m.group(3))
    name = re.sub(r' \(.*\)$', '', re.sub(r'0x[0-9A-F]+: ', '', m.group(4)))
    stack = stack[:depth] + [name]
    if nchild:
        continue
    frames = [s for s in stack[1:] if not s.startswith('in ') and s != '???'][:3]
    site = ' < '.join(frames)
    for group, keys in rules:
        if any(k in site for k in keys):
            agg[group] += size
            break
    else:
        agg["the rest (below 0.1 % of the heap each)"] += size
total = sum(agg.values())
print(f"peak snapshot {peak}, {n} phones: bytes per phone")
print("| group | bytes per phone |\n|---|---:|")
for group, size in agg.most_common():
    print(f"| {group} | {size / n:,.0f} |")
print(f"| **heap in use at its peak** | **{total / n:,.0f}** |")
print(f"| malloc's own overhead (massif extra-heap) | {extra / n:,.0f} |")
PY
[ -n "${MASSIF_OUT:-}" ] || rm -f "$out"
