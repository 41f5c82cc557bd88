"""How to build the HIL firmware for each emulated board: compiler, flags and the board's
sources under hil/firmware/<board>/. The exported pipeline's C files are compiled in."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CodegenError, HILError, ToolMissingError

FIRMWARE_DIR = Path(__file__).resolve().parents[2] / "hil" / "firmware"
WARNINGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Wdouble-promotion", "-Wfloat-conversion"]


@dataclass(frozen=True)
class Target:
    name: str
    cc: str
    cflags: list[str]
    ldflags: list[str]
    sources: list[str]  # relative to FIRMWARE_DIR
    emulator: str | None  # "qemu-system-arm", "qemu-system-riscv32" or None (native)
    emulator_args: list[str] = field(default_factory=list)
    packages: str = ""  # Debian packages that provide the tools


TARGETS = {
    "host": Target(
        "host",
        "cc",
        ["-O2", "-g", "-DHIL_MAIN_NAME=hil_main"],
        ["-lm"],
        ["common/hil_main.c", "common/hil_proto.c", "host/port.c"],
        None,
        packages="gcc",
    ),
    "qemu-mps2-an386": Target(
        "qemu-mps2-an386",
        "arm-none-eabi-gcc",
        [
            "-mcpu=cortex-m4",
            "-mthumb",
            "-mfloat-abi=hard",
            "-mfpu=fpv4-sp-d16",
            "-O2",
            "-g",
            "-ffunction-sections",
            "-fdata-sections",
        ],
        [
            "--specs=nano.specs",
            "--specs=nosys.specs",
            "-nostartfiles",
            "-Wl,--gc-sections",
            "-T",
            "{dir}/link.ld",
            "-lm",
        ],
        ["common/hil_main.c", "common/hil_proto.c", "qemu-mps2-an386/startup.c", "qemu-mps2-an386/port.c"],
        "qemu-system-arm",
        ["-M", "mps2-an386"],
        packages="gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm",
    ),
    "qemu-riscv32": Target(
        "qemu-riscv32",
        "riscv64-unknown-elf-gcc",
        [
            "-march=rv32imc",
            "-mabi=ilp32",
            "-misa-spec=2.2",
            "-mcmodel=medany",
            "-O2",
            "-g",
            "-ffunction-sections",
            "-fdata-sections",
            "--specs=picolibc.specs",
        ],
        ["-nostartfiles", "-Wl,--gc-sections", "-T", "{dir}/link.ld", "-lm"],
        ["common/hil_main.c", "common/hil_proto.c", "qemu-riscv32/start.S", "qemu-riscv32/port.c"],
        "qemu-system-riscv32",
        ["-M", "virt", "-cpu", "rv32", "-bios", "none"],
        packages="gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc",
    ),
    "qemu-xtensa-lx106": Target(
        "qemu-xtensa-lx106",
        "xtensa-lx106-elf-gcc",
        [
            "-O2",
            "-g",
            "-ffunction-sections",
            "-fdata-sections",
            # Debian installs this spec file outside the search path of its gcc-xtensa-lx106
            "--specs=/usr/lib/xtensa-lx106-elf/picolibc.specs",
        ],
        ["-nostartfiles", "-Wl,--gc-sections", "-T", "{dir}/link.ld", "-lm"],
        [
            "common/hil_main.c",
            "common/hil_proto.c",
            "qemu-xtensa-lx106/start.S",
            "qemu-xtensa-lx106/port.c",
            "qemu-xtensa-lx106/rt_helpers.c",
        ],
        "qemu-system-xtensa",
        ["-M", "lx60", "-cpu", "lx106"],
        packages="gcc-xtensa-lx106 picolibc-xtensa-lx106-elf qemu-system-misc",
    ),
}


def get_target(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise HILError(
            f"no emulated board '{name}'; emulated boards are {', '.join(TARGETS)} (for a real board pass --port)"
        ) from None


def require_tools(target: Target) -> None:
    tools = [target.cc] + ([target.emulator] if target.emulator else [])
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise ToolMissingError(
            f"board '{target.name}' needs {', '.join(missing)}; install with: "
            f"apt-get install --no-install-recommends {target.packages}"
        )


def pipeline_sources(export_dir: Path) -> list[Path]:
    """The pipeline library's C files in an export directory: those export_report.json lists
    (``sf_model.c`` and the ``sf_*.c`` runtime kernels, not example mains), else every
    ``sf_*.c`` there."""
    export_dir = Path(export_dir)
    report = export_dir / "export_report.json"
    if report.exists():
        try:
            names = json.loads(report.read_text()).get("files", [])
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise CodegenError(f"{report}: corrupt JSON; export again") from None
        sources = [export_dir / n for n in names if n.endswith(".c") and "/" not in n and n.startswith("sf_")]
    else:
        sources = sorted(export_dir.glob("sf_*.c"))
    if not (export_dir / "sf_model.h").exists() or export_dir / "sf_model.c" not in sources:
        raise CodegenError(
            f"{export_dir}: no exported C pipeline with prefix sf_model (sf_model.c / sf_model.h); "
            "export with 'sensorflow export ARTIFACT --board B --prefix sf_model'"
        )
    return sources


def build_firmware(target: Target, export_dir: Path, out_dir: Path, extra_cflags: list[str] | None = None) -> Path:
    """Compile the HIL harness + exported pipeline into ``out_dir/hil-<board>.elf``."""
    require_tools(target)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    elf = out_dir / f"hil-{target.name}.elf"
    board_dir = FIRMWARE_DIR / target.name
    sources = pipeline_sources(export_dir)
    include_dirs = [str(FIRMWARE_DIR / "common"), str(export_dir)]
    cmd = [
        target.cc,
        *WARNINGS,
        *target.cflags,
        *(extra_cflags or []),
        *[f"-I{d}" for d in include_dirs],
        *[str(FIRMWARE_DIR / s) for s in target.sources],
        *[str(p) for p in sources],
        "-o",
        str(elf),
        *[a.replace("{dir}", str(board_dir)) for a in target.ldflags],
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        log = out_dir / "build.log"
        log.write_text(" ".join(cmd) + "\n\n" + proc.stdout + proc.stderr)
        first = next((line for line in proc.stderr.splitlines() if "error" in line), proc.stderr.strip()[:200])
        raise CodegenError(f"building the HIL firmware for {target.name} failed: {first} (full log: {log})")
    return elf
