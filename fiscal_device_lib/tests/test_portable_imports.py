"""Every module that ships to a shop (the drivers, the core, the command line, the agent) loads
where ``termios``, ``fcntl`` and ``pty`` do not exist (Windows): only the emulators' pseudo-
terminal host may import them.

A fresh interpreter gets a meta-path finder that refuses those modules to our own code (a
third-party package such as pyserial picks its platform's module by itself, which is its
business), then imports every non-emulator module of ``fiscal_device_lib``.
"""

import pkgutil
import subprocess
import sys
from pathlib import Path

import fiscal_device_lib

POSIX_ONLY = ("termios", "fcntl", "pty", "tty")
PACKAGE_PARENT = str(Path(fiscal_device_lib.__file__).resolve().parent.parent)

BLOCKER = """
import importlib, sys

BLOCKED = set(sys.argv[1].split(","))

class PosixOnly:
    def find_spec(self, name, path=None, target=None):
        if name not in BLOCKED:
            return None
        frame = sys._getframe(1)
        while frame is not None:
            module = frame.f_globals.get("__name__", "")
            if not module.startswith(("importlib", "_frozen_importlib")) and module != __name__:
                if module.startswith("fiscal_device_lib"):
                    raise ImportError(f"{module} imports {name}, which Windows lacks")
                return None
            frame = frame.f_back
        return None

for name in BLOCKED:
    sys.modules.pop(name, None)
sys.meta_path.insert(0, PosixOnly())
for module in sys.argv[2:]:
    importlib.import_module(module)
print("imported", len(sys.argv) - 2)
"""


def shipped_modules():
    """Every module of the package but the emulators, the tests and ``__main__``."""
    names = [fiscal_device_lib.__name__]
    for info in pkgutil.walk_packages(fiscal_device_lib.__path__, "fiscal_device_lib."):
        parts = info.name.split(".")
        if "emulator" in parts or "tests" in parts or parts[-1] == "__main__":
            continue
        names.append(info.name)
    return names


def test_shipped_modules_import_nothing_posix_only():
    modules = shipped_modules()
    assert "fiscal_device_lib.agent.runner" in modules
    assert "fiscal_device_lib.mypos_n5.driver" in modules
    done = subprocess.run(
        [sys.executable, "-c", BLOCKER, ",".join(POSIX_ONLY), *modules],
        capture_output=True,
        text=True,
        cwd=PACKAGE_PARENT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"imported {len(modules)}"


def test_the_blocker_catches_our_own_import_of_a_posix_module():
    done = subprocess.run(
        [sys.executable, "-c", BLOCKER, "pty", "fiscal_device_lib.mypos_n5.emulator.server"],
        capture_output=True,
        text=True,
        cwd=PACKAGE_PARENT,
        timeout=120,
    )
    assert done.returncode != 0
    assert "fiscal_device_lib.mypos_n5.emulator.server imports pty" in done.stderr
