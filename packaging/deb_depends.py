"""The Debian packages the bundled native code links to, for `system_runtime_requires`.

Run it over a built bundle (after `briefcase build linux system`):

    python3 packaging/deb_depends.py build/teleconsult/debian/bookworm/teleconsult-0.1.0

It starts from every extension module of the app's packages and the Qt plugins the app loads on X11,
follows their ELF `NEEDED` entries through the libraries shipped in the bundle, and names the
Debian package (`dpkg -S`) of each library that comes from the system. Qt plugins that Qt skips when
their libraries are missing (other platforms and themes, SQL drivers, printing) are left out: they
would pull GTK, CUPS, Wayland or database clients into the dependencies of a package that does not
need them. Prints the packages, one per line, sorted.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

# Qt plugin folders the app needs on a Linux desktop (X11, images, icons, TLS, network state, input).
QT_PLUGINS_USED = {
    "iconengines",
    "imageformats",
    "networkinformation",
    "platforminputcontexts",
    "tls",
    "xcbglintegrations",
    "generic",
}
QT_PLATFORMS_USED = {"libqxcb.so", "libqoffscreen.so", "libqminimal.so"}
# Not a package question: the dynamic loader itself (libc6), and Qt libraries the bundle leaves out on
# purpose (`cleanup_paths`: QML/Quick; PySide6's modules for them are never imported by the app).
IGNORED = re.compile(r"ld-linux.*|libQt6(Qml|Quick|Pdf|VirtualKeyboard).*")
NEEDED = re.compile(r"\(NEEDED\)\s+Shared library: \[(.+)\]")
RESOLVED = re.compile(r"^\s*(\S+) => (/\S+)")


def is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def roots(package_root: Path) -> list[Path]:
    """The native code the app loads: extension modules and the Qt plugins listed above."""
    found: list[Path] = []
    for path in sorted(package_root.rglob("*.so*")):
        if not path.is_file() or path.is_symlink() or not is_elf(path):
            continue
        parts = path.parts
        if "plugins" in parts and "Qt" in parts:
            folder = parts[parts.index("plugins") + 1]
            if folder == "platforms":
                if path.name in QT_PLATFORMS_USED:
                    found.append(path)
            elif folder in QT_PLUGINS_USED:
                found.append(path)
        elif "Qt" in parts and "lib" in parts:
            continue  # Qt's own libraries: reached through NEEDED when used
        else:
            found.append(path)
    return found


def needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return NEEDED.findall(out)


def resolved(path: Path) -> dict[str, str]:
    out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False).stdout
    return {m.group(1): m.group(2) for line in out.splitlines() if (m := RESOLVED.match(line))}


@functools.cache
def debian_package(library: str) -> str | None:
    real = str(Path(library).resolve())
    candidates = [library, real]
    for name in (library, real):
        if name.startswith("/usr/"):
            candidates.append(name[len("/usr") :])  # merged /usr: dpkg may know /lib/…
        else:
            candidates.append("/usr" + name)
    for candidate in candidates:
        out = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            return out.stdout.split(":", 1)[0].strip()
    return None


def system_packages(package_root: Path) -> tuple[set[str], set[str]]:
    """(Debian packages, libraries found nowhere) for the bundle under `package_root`."""
    bundled = {p.name: p for p in package_root.rglob("*.so*") if p.is_file()}
    todo = roots(package_root)
    seen: set[Path] = set()
    packages: set[str] = set()
    missing: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        paths = resolved(path)
        for soname in needed(path):
            if IGNORED.fullmatch(soname):
                continue
            inside = paths.get(soname, "")
            if inside.startswith(str(package_root)) or (not inside and soname in bundled):
                todo.append(Path(inside) if inside else bundled[soname])
            elif inside:
                package = debian_package(inside)
                if package is None:
                    missing.add(f"{soname} ({inside})")
                else:
                    packages.add(package)
            else:
                missing.add(soname)
    return packages, missing


def main(argv: list[str]) -> int:
    packages, missing = system_packages(Path(argv[1]).resolve())
    for name in sorted(packages):
        print(name)
    for name in sorted(missing):
        print(f"# not found: {name}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
