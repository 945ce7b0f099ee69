#!/usr/bin/env bash
# Regenerates the checked-in Genesis/*.json and Validators/node0..node3 from a fixed,
# PUBLIC seed, so the files are reproducible. The keys are insecure by construction:
# for local development only, never for real funds.
set -euo pipefail
cd "$(dirname "$0")/.."

seed=72617469667920696e7365637572652064657620736565642030303030303030  # "ratify insecure dev seed 00000000"
time=2026-01-01T00:00:00Z
swift build --product ratify >/dev/null
ratify=.build/debug/ratify
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

for mode in pos pow hybrid; do
  chain=ratify-localnet
  [ "$mode" = pos ] || chain=ratify-localnet-$mode
  "$ratify" testnet --validators 4 --output "$scratch/$mode" --chain-id "$chain" --mode "$mode" \
    --base-port 26656 --host 127.0.0.1 --genesis-time "$time" --seed "$seed" >/dev/null
done

mkdir -p Genesis Validators
cp "$scratch/pos/genesis.json" Genesis/localnet.json
cp "$scratch/pow/genesis.json" Genesis/pow.json
cp "$scratch/hybrid/genesis.json" Genesis/hybrid.json
for node in node0 node1 node2 node3; do
  rm -rf "Validators/$node"
  cp -R "$scratch/pos/$node" "Validators/$node"
done
for file in Genesis/localnet.json Genesis/pow.json Genesis/hybrid.json; do
  "$ratify" genesis validate "$file"
done
