"""Before Qt starts on Linux: the X11 libraries its xcb platform plugin needs, and the install line for
the missing ones (Qt itself aborts with a message naming only libxcb-cursor0, whatever is missing)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

# The libraries Qt 6's xcb plugin loads that minimal Linux systems lack: soname -> Debian/Ubuntu package.
XCB_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
}


def uses_xcb(environ: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Whether Qt will load its xcb (X11) platform plugin here."""
    environ = dict(os.environ) if environ is None else environ
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(";")[0].split(":")[0] == "xcb"
    return environ.get("XDG_SESSION_TYPE") != "wayland" or not environ.get("WAYLAND_DISPLAY")


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, if it is where PySide6's wheels put it."""
    spec = importlib.util.find_spec("PySide6")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.exists():
            return plugin
    return None


def not_found_by_ldd(library: Path) -> list[str] | None:
    """The sonames ``ldd`` reports "not found" for ``library`` (None: ldd cannot tell)."""
    import shutil
    import subprocess

    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        result = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0 and "not found" not in result.stdout:
        return None
    return [line.split("=>")[0].strip() for line in result.stdout.splitlines() if "not found" in line]


def not_loadable(sonames: list[str]) -> list[str]:
    """The libraries the dynamic loader cannot load (Qt loads them a moment later anyway)."""
    import ctypes  # on X11 only (not under Wayland nor offscreen)

    missing = []
    for soname in sonames:
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(soname)
    return missing


def missing_libraries(plugin: Path | None = None, known: list[str] | None = None) -> list[str]:
    """The sonames the xcb plugin needs that cannot be found ([] when nothing is missing).

    The known ones are tried first (a millisecond); only when one is missing does ``ldd`` list all the
    plugin needs, so the line names every missing library at once, not the first Qt stumbles on."""
    absent = not_loadable(list(XCB_PACKAGES) if known is None else known)
    if not absent:
        return []
    plugin = plugin if plugin is not None else xcb_plugin()
    found = not_found_by_ldd(plugin) if plugin is not None else None
    return sorted(set(absent) | set(found or ()))


def install_message(missing: list[str]) -> str:
    """What to tell the person: the libraries missing and the exact apt line for them."""
    packages = [XCB_PACKAGES[soname] for soname in missing if soname in XCB_PACKAGES]
    unknown = [soname for soname in missing if soname not in XCB_PACKAGES]
    lines = [
        f"spandesk cannot open its window: Qt's X11 (xcb) platform needs {', '.join(missing)}, missing here."
    ]
    if packages:
        lines.append("On Debian/Ubuntu install them with:")
        lines.append(f"  sudo apt-get install {' '.join(packages)}")
    if unknown:
        lines.append(
            f"Install the package providing {', '.join(unknown)} with your system's package manager."
        )
    lines.append("(Or run without a window: QT_QPA_PLATFORM=offscreen; the spandesk commands need none.)")
    return "\n".join(lines)


def check_platform(stderr=None) -> bool:
    """True when Qt can start here; else the install line is printed (on stderr) and False returned."""
    if not uses_xcb():
        return True
    missing = missing_libraries()
    if not missing:
        return True
    print(install_message(missing), file=stderr or sys.stderr)
    return False
