# Shared by the scripts in scripts/: where the project is, and how to say things.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Root on these machines; sudo on a developer's laptop.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}
