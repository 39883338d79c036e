"""The state of the link to the server, as the header's indicator shows it."""

from __future__ import annotations

from enum import Enum


class ConnectionStatus(Enum):
    """« connecté » only once the socket is authenticated and caught up."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"
    SIGNED_OUT = "signed_out"  # the server refused the session: sign in again

    @property
    def is_online(self) -> bool:
        return self is ConnectionStatus.ONLINE
