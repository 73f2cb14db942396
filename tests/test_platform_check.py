"""When Qt's X11 platform plugin cannot load, spandesk says which libraries are missing and prints the exact
install line, before Qt starts (Qt's own abort named libxcb-cursor0 whatever was missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gui import platform_check

ROOT = Path(__file__).resolve().parent.parent

FAKE = "libxcb-spandesk-fake.so.9"  # no system has it
LAUNCH = (
    "import gui.platform_check as check; "
    f"check.XCB_PACKAGES[{FAKE!r}] = 'libxcb-spandesk-fake9'; "
    "from annotations.cli import main; main()"
)


def test_a_missing_x11_library_prints_its_install_line_and_exits_without_a_traceback(tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "xcb", "DISPLAY": ":99"}
    result = subprocess.run(
        [sys.executable, "-c", LAUNCH, "--db", str(tmp_path / "new.db")],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "needs libxcb-spandesk-fake.so.9" in result.stderr
    assert "sudo apt-get install libxcb-spandesk-fake9\n" in result.stderr  # only the missing one
    assert "libxcb-cursor0" not in result.stderr  # present here: not asked for
    assert not (tmp_path / "new.db").exists()  # nothing was started


def test_only_the_missing_packages_are_on_the_line():
    message = platform_check.install_message(["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    assert "  sudo apt-get install libxcb-icccm4 libxcb-keysyms1\n" in message
    assert "xcb-cursor" not in message


def test_offscreen_and_other_systems_are_not_checked():
    assert not platform_check.uses_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not platform_check.uses_xcb({}, "darwin")
    assert platform_check.uses_xcb({"DISPLAY": ":0"}, "linux")
    assert platform_check.uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")


@pytest.mark.skipif(shutil.which("gcc") is None or shutil.which("ldd") is None, reason="needs gcc and ldd")
def test_ldd_names_every_library_the_plugin_needs_that_is_gone(tmp_path):
    """A plugin built against a library that is then removed: ldd's "not found" is on the list too, with
    the known library that could not be loaded."""
    (tmp_path / "gone.c").write_text("int gone(void) { return 1; }\n", encoding="utf-8")
    (tmp_path / "plugin.c").write_text(
        "int gone(void);\nint use(void) { return gone(); }\n", encoding="utf-8"
    )
    subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-o",
            "libspandeskgone.so.1",
            "-Wl,-soname,libspandeskgone.so.1",
            "gone.c",
        ],
        cwd=tmp_path,
        check=True,
    )
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-o", "libqxcb.so", "plugin.c", "-L.", "-l:libspandeskgone.so.1"],
        cwd=tmp_path,
        check=True,
    )
    (tmp_path / "libspandeskgone.so.1").unlink()
    missing = platform_check.missing_libraries(tmp_path / "libqxcb.so", known=[FAKE, "libc.so.6"])
    assert missing == ["libspandeskgone.so.1", FAKE]


def test_the_readme_gives_the_install_line_before_the_install_command():
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    apt = readme.index("apt-get install libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1")
    assert apt < readme.index("pip install -e")
    for package in platform_check.XCB_PACKAGES.values():
        assert package in readme[apt : apt + 200]
