#!/bin/sh
# One-shot: the rococo-local relay chain spec with DINFRA (para 2000) registered at genesis, as
# zombienet does it: DINFRA's genesis head and wasm (written by the para-genesis service) go
# into the relay's `paras` genesis, then the spec is made raw.
set -eu
polkadot build-spec --chain rococo-local --disable-default-bootnode > /tmp/relay-plain.json
jq --rawfile head /specs/dinfra-genesis-head --rawfile wasm /specs/dinfra-genesis-wasm \
	'.genesis.runtimeGenesis.patch.paras.paras = [[2000, {"genesis_head": ($head | rtrimstr("\n")), "validation_code": ($wasm | rtrimstr("\n")), "para_kind": true}]]' \
	/tmp/relay-plain.json > /tmp/relay-with-dinfra.json
polkadot build-spec --chain /tmp/relay-with-dinfra.json --raw --disable-default-bootnode > /specs/relay.json
echo "relay spec with DINFRA registered: /specs/relay.json"
