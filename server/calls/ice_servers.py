"""ICE servers handed to both peers of a call: STUN and TURN from the settings, never a default.

TURN credentials follow coturn's REST API scheme (`use-auth-secret` / `static-auth-secret`,
draft-uberti-behave-turn-rest-00): the username is ``"<expiry unix time>:<user id>"`` and the
password is ``base64(HMAC-SHA1(secret, username))``. coturn recomputes it with the shared
secret and refuses it after the expiry, so the credentials handed out here are short-lived (at
most `MAX_TTL_SECONDS`) and the secret never leaves the server.

Nothing configured means an empty list: browsers and the desktop then use host candidates
only. A public third-party STUN server is never added (it would leak practitioners' and
patients' addresses to a third party).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import Any

from server.settings import Settings

log = logging.getLogger(__name__)

MAX_TTL_SECONDS = 3600
MIN_TTL_SECONDS = 60
STUN_SCHEMES = ("stun:", "stuns:")
TURN_SCHEMES = ("turn:", "turns:")


def _urls(value: str, schemes: tuple[str, ...]) -> list[str]:
    urls = []
    for raw in value.split(","):
        url = raw.strip()
        if not url:
            continue
        if not url.lower().startswith(schemes) or len(url) > 256:
            log.warning("ICE server URL ignored (scheme must be one of %s)", ", ".join(schemes))
            continue
        urls.append(url)
    return urls


def turn_ttl(settings: Settings) -> int:
    """How long TURN credentials live: the setting, kept between 1 minute and 1 hour."""
    return max(MIN_TTL_SECONDS, min(int(settings.turn_ttl_seconds), MAX_TTL_SECONDS))


def turn_credential(secret: str, username: str) -> str:
    """coturn's REST password for `username`: base64 of HMAC-SHA1 keyed with the shared secret."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def ice_servers(settings: Settings, user_id: str, now: float) -> list[dict[str, Any]]:
    """The `iceServers` list for one user (WebRTC's RTCIceServer dicts).

    Args:
        settings: `stun_urls`, `turn_urls` (comma-separated), `turn_secret`, `turn_ttl_seconds`.
        user_id: named in the TURN username, so coturn's logs and quotas are per user.
        now: the current Unix time.
    """
    servers: list[dict[str, Any]] = []
    stun = _urls(settings.stun_urls, STUN_SCHEMES)
    if stun:
        servers.append({"urls": stun})
    turn = _urls(settings.turn_urls, TURN_SCHEMES)
    if turn and settings.turn_secret:
        username = f"{int(now) + turn_ttl(settings)}:{user_id}"
        servers.append(
            {
                "urls": turn,
                "username": username,
                "credential": turn_credential(settings.turn_secret.get_secret_value(), username),
            }
        )
    return servers


def describe(settings: Settings) -> str:
    """One line for the start-up log (no secret)."""
    stun = len(_urls(settings.stun_urls, STUN_SCHEMES))
    turn = len(_urls(settings.turn_urls, TURN_SCHEMES))
    if turn and not settings.turn_secret:
        log.warning("TURN URLs are set but TELECONSULT_TURN_SECRET is empty: TURN is not offered")
        turn = 0
    if not stun and not turn:
        return "no STUN/TURN server: host candidates only"
    return f"{stun} STUN URL(s), {turn} TURN URL(s), credentials valid {turn_ttl(settings)} s"
