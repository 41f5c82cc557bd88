"""Build files around the generated sources so they drop into real projects: a Makefile
(GNU make, ``CROSS_COMPILE`` convention), a CMakeLists.txt that builds on its own, under
``add_subdirectory`` and as an ESP-IDF component, a CMake toolchain file for a board, the
ESP-IDF component manifest, a PlatformIO ``library.json``, and an Arduino library
(library.properties + src/ + an example) as a zip that the Arduino IDE installs with
"Add .ZIP Library"."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

from ...version import __version__
from .library import GeneratedC, template_env

ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: the same export gives the same bytes
PROCESSOR = {"cortex-m": "arm", "riscv": "riscv32", "xtensa": "xtensa"}  # CMAKE_SYSTEM_PROCESSOR of a board arch


def cross_compile(cc: str) -> tuple[str, str]:
    """(CROSS_COMPILE, tool) of a compiler name, the GNU convention: ``arm-none-eabi-gcc`` ->
    (``arm-none-eabi-``, ``gcc``); the host's ``cc`` or ``gcc`` -> ("", ``gcc``)."""
    if cc in ("cc", "gcc"):
        return "", "gcc"
    for tool in ("gcc", "clang"):
        if cc.endswith("-" + tool):
            return cc[: -len(tool)], tool
    return "", cc


def _values(gen: GeneratedC, board, pipeline) -> dict:
    tc = board.toolchain
    use_fallback = tc.fallback_cc is not None and shutil.which(tc.cc) is None and shutil.which(tc.fallback_cc)
    cc = tc.fallback_cc if use_fallback else tc.cc
    archflags = (tc.fallback_cflags or tc.cflags) if use_fallback else tc.cflags
    prefix, tool = cross_compile(cc)
    return dict(
        prefix=gen.prefix,
        P=gen.prefix.upper(),
        name=pipeline.name,
        board=board,
        version=__version__,
        sources=gen.sources,
        board_cc=tc.cc,
        cross_compile=prefix,
        cc_tool=tool,
        archflags=" ".join(archflags),
        defines=" ".join(f"-D{d}" for d in tc.defines),
        n_features=gen.n_features,
        n_classes=gen.n_classes,
        window_length=gen.info["window_length"],
        n_channels=gen.info["n_channels"],
        library_name=f"sensorflow_{gen.prefix}",
        architectures=",".join(board.arduino_architectures) or "*",
    )


def platformio_json(gen: GeneratedC, values: dict) -> str:
    """PlatformIO library manifest (docs.platformio.org, library.json): the export directory is
    the library, sources and headers at its root; srcFilter keeps any build directory out."""
    manifest = {
        "name": values["library_name"],
        "version": values["version"],
        "description": (
            f"sensorflow pipeline '{values['name']}' for {values['board'].name}: "
            f"{gen.n_features} features, {gen.n_classes} classes, C99, no malloc"
        ),
        "keywords": ["sensorflow", "tinyml", "sensors", "machine-learning"],
        "frameworks": "*",
        "platforms": "*",
        "headers": f"{gen.prefix}.h",
        "build": {
            "srcDir": ".",
            "includeDir": ".",
            "srcFilter": ["-<*>"] + [f"+<{s}>" for s in gen.sources],
            "flags": ["-Wdouble-promotion", "-Wfloat-conversion"],
        },
        "export": {"include": sorted(gen.files) + ["library.json"]},
    }
    return json.dumps(manifest, indent=2) + "\n"


def arduino_zip(gen: GeneratedC, values: dict) -> bytes:
    env = template_env()
    root = values["library_name"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:

        def add(name: str, text: str) -> None:
            info = zipfile.ZipInfo(f"{root}/{name}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)

        add("library.properties", env.get_template("library.properties.j2").render(**values))
        for name in sorted(gen.files):
            add(f"src/{name}", gen.files[name])
        ex = f"{gen.prefix}_stream"
        add(f"examples/{ex}/{ex}.ino", env.get_template("example.ino.j2").render(**values))
    return buf.getvalue()


def package(gen: GeneratedC, out: Path, board, pipeline) -> list[Path]:
    env = template_env()
    values = _values(gen, board, pipeline)
    files = {
        "Makefile": env.get_template("Makefile.j2").render(**values),
        "CMakeLists.txt": env.get_template("CMakeLists.txt.j2").render(**values),
        "idf_component.yml": env.get_template("idf_component.yml.j2").render(**values),
        "library.json": platformio_json(gen, values),
    }
    if board.arch != "host":
        files["toolchain.cmake"] = env.get_template("toolchain.cmake.j2").render(
            processor=PROCESSOR[board.arch], **values
        )
    written = []
    for name, text in files.items():
        (out / name).write_text(text)
        written.append(out / name)
    z = out / "arduino" / f"{values['library_name']}.zip"
    z.parent.mkdir(parents=True, exist_ok=True)
    z.write_bytes(arduino_zip(gen, values))
    written.append(z)
    return written
