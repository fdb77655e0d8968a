#!/usr/bin/env bash
# Prints the directory of a checkout of REF with a Rasa model trained from REF's data, for
# `make bench BEFORE=REF` (the same conversations against the code before a change). The venv,
# the converted BERT weights and the GPT-2 generator are this checkout's: built artefacts
# that a change of actions, channels or training data does not touch.
# Usage: scripts/bench_checkout.sh REF
set -euo pipefail
ref="$1"
project="$(cd "$(dirname "$0")/.." && pwd)"
sha="$(git -C "$project" rev-parse --short "$ref^{commit}")"
dir="$project/.bench/$sha"
[ -d "$dir" ] || git -C "$project" worktree add --detach "$dir" "$sha" >&2
ln -sfn "$project/.venv" "$dir/.venv"
ln -sfn "$project/weights" "$dir/weights"
mkdir -p "$dir/models"
ln -sfn "$project/models/generator" "$dir/models/generator"
if [ ! -f "$dir/models/assistant.tar.gz" ]; then
	# PYTHONPATH: REF's components, not this checkout's (the venv's .pth names this one).
	(cd "$dir" && PYTHONPATH="$dir" .venv/bin/rasa train --fixed-model-name assistant >&2)
fi
echo "$dir"
