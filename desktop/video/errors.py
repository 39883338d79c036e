"""Errors of the call engine, each carrying a French message safe to show to the practitioner.

Exception tree::

    VideoError                    base of the package; `.message` is French and free of health data
    ├── DeviceError               a camera or microphone cannot be used
    │   ├── DeviceNotFoundError     missing or unplugged
    │   ├── DeviceBusyError         used by another application
    │   └── DevicePermissionError   the system refused access
    └── SignalingError            a signaling frame is malformed or cannot be sent

`desktop.domain` has no shared `UserFacingError` yet; these carry the same contract (a French
`message` attribute) so the call screen can show `str(error)` directly, and can be re-based on it
later without changing callers.
"""

from __future__ import annotations

import errno

CAMERA = "camera"
MICROPHONE = "microphone"
SPEAKER = "speaker"  # the call's sound output (audio_device.py)

_WHAT = {CAMERA: "la caméra", MICROPHONE: "le microphone", SPEAKER: "la sortie audio"}


class VideoError(Exception):
    """Base of the call engine's errors; `message` is French and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DeviceError(VideoError):
    """A device cannot be used; `kind` is ``"camera"``, ``"microphone"`` or ``"speaker"``."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class DeviceNotFoundError(DeviceError):
    """The device does not exist (never plugged in, unplugged, wrong name)."""


class DeviceBusyError(DeviceError):
    """Another application holds the device."""


class DevicePermissionError(DeviceError):
    """The operating system refused access (privacy settings, group membership)."""


class SignalingError(VideoError):
    """A signaling frame is malformed, or could not be sent."""


def device_error(kind: str, exc: BaseException) -> DeviceError:
    """Map an exception raised while opening or reading a device to a French `DeviceError`.

    Args:
        kind: ``"camera"`` or ``"microphone"``.
        exc: what PyAV/FFmpeg (or the OS) raised; only its type and errno are used, never its
            text, which may contain device paths.
    """
    what = _WHAT.get(kind, "le périphérique")
    code = getattr(exc, "errno", None)
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        return DevicePermissionError(
            f"L'accès à {what} a été refusé. Autorisez Teleconsult dans les réglages de "
            "confidentialité de votre système, puis réessayez.",
            kind,
        )
    if code == errno.EBUSY:
        return DeviceBusyError(
            f"Impossible d'utiliser {what} : elle est déjà utilisée par une autre application. "
            "Fermez cette application, puis réessayez."
            if kind == CAMERA
            else f"Impossible d'utiliser {what} : il est déjà utilisé par une autre application. "
            "Fermez cette application, puis réessayez.",
            kind,
        )
    if isinstance(exc, FileNotFoundError) or code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return DeviceNotFoundError(
            f"Aucune caméra n'a été trouvée. Branchez {what}, puis réessayez."
            if kind == CAMERA
            else f"Aucun microphone n'a été trouvé. Branchez {what}, puis réessayez.",
            kind,
        )
    return DeviceError(
        f"Impossible d'utiliser {what}. Vérifiez qu'elle est bien branchée, puis réessayez."
        if kind == CAMERA
        else f"Impossible d'utiliser {what}. Vérifiez qu'il est bien branché, puis réessayez.",
        kind,
    )


def device_lost(kind: str) -> DeviceError:
    """The device stopped delivering frames during the call (unplugged, driver reset)."""
    if kind == CAMERA:
        return DeviceNotFoundError("La caméra s'est déconnectée. Rebranchez-la pour être vu.", kind)
    return DeviceNotFoundError("Le microphone s'est déconnecté. Rebranchez-le pour être entendu.", kind)
