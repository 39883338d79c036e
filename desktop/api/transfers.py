"""Streaming bodies for uploads and downloads: files are never read whole into memory."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx

CHUNK = 256 * 1024

Progress = Callable[[int, int], None]


async def file_chunks(path: Path, size: int, progress: Progress | None = None) -> AsyncIterator[bytes]:
    """The file's bytes in 256 KiB chunks, each read on a worker thread; reports bytes sent."""
    handle = await asyncio.to_thread(path.open, "rb")
    sent = 0
    try:
        while True:
            chunk = await asyncio.to_thread(handle.read, CHUNK)
            if not chunk:
                break
            yield chunk
            sent += len(chunk)
            if progress is not None:
                progress(sent, size)
    finally:
        await asyncio.to_thread(handle.close)


async def download_to(response: httpx.Response, target: Path, progress: Progress | None = None) -> None:
    """Write a streamed response to `target` through a temporary file renamed at the end."""
    total = int(response.headers.get("content-length") or 0)
    partial = target.with_name(target.name + ".part")
    await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
    handle = await asyncio.to_thread(partial.open, "wb")
    received = 0
    try:
        async for chunk in response.aiter_bytes(CHUNK):
            await asyncio.to_thread(handle.write, chunk)
            received += len(chunk)
            if progress is not None:
                progress(received, total or received)
        await asyncio.to_thread(handle.close)
        await asyncio.to_thread(os.replace, partial, target)
    except BaseException:
        await asyncio.to_thread(handle.close)
        with contextlib.suppress(OSError):
            await asyncio.to_thread(partial.unlink, True)
        raise
