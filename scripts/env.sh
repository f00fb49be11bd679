# Source this to use the project's toolchain (Node 24, pnpm) in an interactive shell:
#   source scripts/env.sh
_purelb_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$_purelb_root/.tools/bin:$_purelb_root/node_modules/.bin:$PATH"
unset _purelb_root
