#!/bin/sh
# One-shot: the rococo-local relay chain spec with DINFRA (para 2000) registered at genesis, as
# zombienet does it: DINFRA's genesis head and wasm (written by the para-genesis service) go
# into the relay's `paras` genesis, then the spec is made raw.
#
# It waits for para-genesis's last file itself: podman 4.3 may start this service before
# para-genesis has finished, whatever `depends_on` says. The `paras` entry is written into the
# genesis patch as text, because jq 1.6 would rewrite the spec's 10^18-unit balances as floats
# (1e+18), which the relay refuses. `ParaGenesisArgs` names its kind `parachain` (serde rename).
set -eu
# Once per volume: podman starts this again whenever it starts a service that depends on it.
[ ! -f /specs/relay.json ] || exit 0
for _ in $(seq 1 600); do
	[ -f /specs/dinfra-local.json ] && break
	sleep 1
done
[ -f /specs/dinfra-local.json ] || { echo "para-genesis wrote nothing in 10 minutes" >&2; exit 1; }
polkadot build-spec --chain rococo-local --disable-default-bootnode > /tmp/relay-plain.json
grep -q '^      "patch": {$' /tmp/relay-plain.json || { echo "no genesis patch in the rococo-local spec" >&2; exit 1; }
head=$(tr -d '\n' < /specs/dinfra-genesis-head)
awk -v head="$head" -v wasm_file=/specs/dinfra-genesis-wasm '
	{ print }
	/^      "patch": \{$/ && !done {
		getline wasm < wasm_file
		print "        \"paras\": { \"paras\": [ [ 2000, { \"genesis_head\": \"" head "\", \"validation_code\": \"" wasm "\", \"parachain\": true } ] ] },"
		done = 1
	}' /tmp/relay-plain.json > /tmp/relay-with-dinfra.json
polkadot build-spec --chain /tmp/relay-with-dinfra.json --raw --disable-default-bootnode > /specs/relay.json.tmp
mv /specs/relay.json.tmp /specs/relay.json
echo "relay spec with DINFRA registered: /specs/relay.json"
