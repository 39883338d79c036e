"""Add `Installed-Size` to a .deb that Briefcase built (its control file has none).

    python3 packaging/deb_installed_size.py dist/teleconsult_….deb build/…/teleconsult-0.1.0

The size is computed as dpkg-gencontrol does (KiB, each file rounded up, 1 per directory or link)
over the package's root folder; only the small control member is rewritten, the data member is
copied as it is (no second compression). Prints the size in KiB.
"""

from __future__ import annotations

import gzip
import io
import lzma
import os
import sys
import tarfile
from pathlib import Path
from typing import BinaryIO

AR_MAGIC = b"!<arch>\n"


def installed_size_kib(root: Path) -> int:
    total = 0
    for folder, dirs, files in os.walk(root):
        if Path(folder) == root and "DEBIAN" in dirs:
            dirs.remove("DEBIAN")  # the control files are not installed
        for name in dirs + files:
            path = Path(folder) / name
            regular = path.is_file() and not path.is_symlink()
            total += -(-path.lstat().st_size // 1024) if regular else 1
    return total


def read_ar(data: BinaryIO) -> list[tuple[bytes, bytes]]:
    """The members of an ar archive: (60-byte header, content)."""
    if data.read(8) != AR_MAGIC:
        raise ValueError("not a .deb (ar) file")
    members = []
    while header := data.read(60):
        size = int(header[48:58].decode().strip())
        content = data.read(size)
        if size % 2:
            data.read(1)
        members.append((header, content))
    return members


def with_size(control: bytes, kib: int) -> bytes:
    lines = [line for line in control.decode().splitlines() if not line.startswith("Installed-Size:")]
    at = next(i for i, line in enumerate(lines) if line.startswith("Architecture:")) + 1
    lines.insert(at, f"Installed-Size: {kib}")
    return ("\n".join(lines) + "\n").encode()


def rewrite_control(member: bytes, name: str, kib: int) -> bytes:
    suffix = Path(name).suffix
    if suffix not in (".xz", ".gz", ".tar"):
        raise ValueError(f"{name}: only xz, gzip or plain control members are handled")
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(member), mode="r:*") as source,
        tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as target,
    ):
        for info in source.getmembers():
            member_file = source.extractfile(info) if info.isfile() else None
            content = member_file.read() if member_file is not None else None
            if info.name in ("./control", "control") and content is not None:
                content = with_size(content, kib)
                info.size = len(content)
            target.addfile(info, io.BytesIO(content) if content is not None else None)
    if suffix == ".xz":
        return lzma.compress(out.getvalue())
    if suffix == ".gz":
        return gzip.compress(out.getvalue(), mtime=0)
    return out.getvalue()


def ar_header(header: bytes, size: int) -> bytes:
    return header[:48] + f"{size:<10}".encode() + header[58:]


def main(argv: list[str]) -> int:
    deb, root = Path(argv[1]), Path(argv[2])
    kib = installed_size_kib(root)
    with deb.open("rb") as f:
        members = read_ar(f)
    rebuilt = []
    for header, content in members:
        name = header[:16].decode().strip().rstrip("/")
        if name.startswith("control.tar"):
            content = rewrite_control(content, name, kib)
            header = ar_header(header, len(content))
        rebuilt.append((header, content))
    tmp = deb.with_suffix(".tmp")
    with tmp.open("wb") as f:
        f.write(AR_MAGIC)
        for header, content in rebuilt:
            f.write(header + content + (b"\n" if len(content) % 2 else b""))
    tmp.replace(deb)
    print(kib)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
