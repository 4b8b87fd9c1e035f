"""The library's layers point one way (issue 10), and what ships to a shop imports nothing
POSIX-only (issue 12, point 6).

- importing a device package loads no command line and no ``argparse``;
- ``core`` imports nothing outside itself (standard library only);
- ``families`` is the registry: device packages never import it, so there is no cycle;
- every module but the emulators imports with ``termios``, ``fcntl``, ``pty`` and ``tty`` blocked,
  as on Windows.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import fiscal_device_lib

LIBRARY = Path(fiscal_device_lib.__file__).parent
DEVICE_PACKAGES = ("fiscal_device_lib.caspos", "fiscal_device_lib.mypos_n5")


def in_fresh_interpreter(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout


@pytest.mark.parametrize("package", DEVICE_PACKAGES)
def test_a_device_package_loads_no_command_line(package):
    loaded = json.loads(
        in_fresh_interpreter(
            f"import json, sys; import {package}; "
            "print(json.dumps(sorted(m for m in sys.modules "
            "if m == 'argparse' or m.endswith('.cli') or m.endswith('cli_support'))))"
        )
    )
    assert loaded == []


def imports_of(path: Path) -> list[str]:
    """The absolute name of every module ``path`` imports (``from . import x`` gives both the
    package and ``package.x``, as either may be the module)."""
    parts = ["fiscal_device_lib", *path.relative_to(LIBRARY).with_suffix("").parts]
    package = parts[:-1]  # a module's package; for an __init__, the package itself
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append(module)
            found += [f"{module}.{alias.name}" for alias in node.names]
    return found


def test_core_imports_nothing_outside_itself():
    outside = [
        f"{path.name}: {module}"
        for path in sorted((LIBRARY / "core").glob("*.py"))
        for module in imports_of(path)
        if not module.startswith("fiscal_device_lib.core")
        and module.split(".")[0] not in sys.stdlib_module_names
    ]
    assert outside == []


def test_no_device_package_imports_the_registry():
    importers = [
        str(path.relative_to(LIBRARY))
        for package in DEVICE_PACKAGES
        for path in sorted((LIBRARY / package.rsplit(".", 1)[1]).rglob("*.py"))
        if "fiscal_device_lib.families" in imports_of(path)
    ]
    assert importers == []


def test_cli_support_imports_only_the_core():
    outside = [
        module
        for module in imports_of(LIBRARY / "cli_support.py")
        if module.startswith("fiscal_device_lib")
        and not module.startswith("fiscal_device_lib.core")
    ]
    assert outside == []


def test_no_device_command_module_imports_the_top_level_command_line():
    importers = [
        str(path.relative_to(LIBRARY))
        for package in DEVICE_PACKAGES
        for path in sorted((LIBRARY / package.rsplit(".", 1)[1]).rglob("*.py"))
        if any(m == "fiscal_device_lib.cli" or m.startswith("fiscal_device_lib.cli.")
               for m in imports_of(path))
    ]  # fmt: skip
    assert importers == []


def test_the_registry_imports_in_either_order_and_names_unknown_families():
    for first in ("fiscal_device_lib.families", *DEVICE_PACKAGES):
        names = in_fresh_interpreter(
            f"import {first}; from fiscal_device_lib.families import names; print(names())"
        )
        assert names.strip() == "['caspos', 'n5']"
    from fiscal_device_lib.families import UnknownFamily, family

    assert family("n5").name == "n5"
    with pytest.raises(UnknownFamily) as caught:
        family("foo")
    assert str(caught.value) == "no device family 'foo'; known devices: caspos, n5"
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, ValueError)


# -- portable imports (issue 12, point 6) ------------------------------------------------------

BLOCKED_IMPORTS = """
import importlib, importlib.abc, json, sys
import serial  # pyserial picks its own platform backend (serialwin32 on Windows)
import serial.tools.list_ports
BLOCKED = {"termios", "fcntl", "pty", "tty"}
for name in BLOCKED:
    sys.modules.pop(name, None)

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in BLOCKED:
            raise ImportError(f"{name} is POSIX-only")
        return None

sys.meta_path.insert(0, Block())
failures = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception as error:
        failures[name] = f"{type(error).__name__}: {error}"
print(json.dumps(failures))
"""


def shipped_modules() -> list[str]:
    """Every module of the library except the emulators and the tests."""
    return sorted(
        info.name
        for info in pkgutil.walk_packages([str(LIBRARY)], "fiscal_device_lib.")
        if ".tests" not in info.name
        and not info.name.endswith("__main__")  # the entry script runs the command line
        and not info.name.endswith(".emulator")
        and ".emulator." not in info.name
    )


@cache
def blocked_import_failures() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED_IMPORTS, *shipped_modules()],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("module", shipped_modules())
def test_imports_without_posix_only_modules(module):
    assert blocked_import_failures().get(module) is None
