#!/usr/bin/env bash
# Installs what the emulated boards, the demos and the MicroPython checks need:
# Debian packages (as root, with apt-get) and the MicroPython WebAssembly interpreter (npm,
# into .tools/ inside the checkout). Idempotent and quiet when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PKGS=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm qemu-system-misc
          gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf gcc-xtensa-lx106 picolibc-xtensa-lx106-elf
          espeak-ng sox flite chromium chromium-driver)
declare -A PROBE=([gcc-arm-none-eabi]=arm-none-eabi-gcc [qemu-system-arm]=qemu-system-arm
                  [qemu-system-misc]=qemu-system-riscv32 [gcc-riscv64-unknown-elf]=riscv64-unknown-elf-gcc
                  [gcc-xtensa-lx106]=xtensa-lx106-elf-gcc [espeak-ng]=espeak-ng [sox]=sox [flite]=flite
                  [chromium]=chromium [chromium-driver]=chromedriver)

missing=()
for pkg in "${DEB_PKGS[@]}"; do
  if [[ -n "${PROBE[$pkg]:-}" ]]; then
    command -v "${PROBE[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
  else
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "note: missing Debian packages (emulator/demo tests will be skipped): ${missing[*]}" >&2
    echo "      install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  fi
fi

MP_PKG="@micropython/micropython-webassembly-pyscript@1.27.0"
if [[ ! -f .tools/mp/node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs ]]; then
  if command -v npm >/dev/null 2>&1; then
    mkdir -p .tools/mp
    npm install --silent --no-audit --no-fund --prefix .tools/mp "$MP_PKG" >/dev/null 2>&1 \
      || echo "note: could not install $MP_PKG with npm; MicroPython interpreter tests will be skipped" >&2
  else
    echo "note: node/npm not found; MicroPython interpreter tests will be skipped" >&2
  fi
fi
