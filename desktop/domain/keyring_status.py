"""Whether session tokens can be kept in a secure keyring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyringStatus:
    """`warning` is French, shown once when tokens stay in memory only."""

    secure: bool
    backend: str
    warning: str | None = None


def keyring_help(platform: str) -> str:
    """How to get a secure keyring on `platform` (`sys.platform`), in French, for the sign-in page.

    Without one the session cannot be remembered (a token is never written to disk in clear), so
    the practitioner signs in at every launch.
    """
    if platform.startswith("linux") or platform.startswith("freebsd"):
        return (
            "Sous Linux : installez un trousseau et ouvrez-le avec votre session, par exemple "
            "GNOME Trousseau de clés (paquets « gnome-keyring » et « libsecret-1-0 ») ou KWallet sous KDE "
            "(paquet « kwalletmanager »), puis fermez et rouvrez votre session avant de relancer "
            "Teleconsult. Le module « keyrings.alt » n'est pas recommandé : il range les mots de passe "
            "dans un fichier à peine chiffré, et Teleconsult ne s'en sert pas."
        )
    if platform == "darwin":
        return (
            "Sous macOS : le Trousseau d'accès est toujours présent. Ouvrez l'application « Trousseau "
            "d'accès », vérifiez que le trousseau « session » est déverrouillé, puis relancez Teleconsult."
        )
    if platform in ("win32", "cygwin"):
        return (
            "Sous Windows : le Gestionnaire d'identification est intégré. Vérifiez que le service "
            "« Gestionnaire d'informations d'identification » est démarré (services.msc), puis relancez "
            "Teleconsult."
        )
    return (
        "Installez un trousseau sécurisé reconnu par votre système (Secret Service, KWallet, Trousseau "
        "macOS ou Gestionnaire d'identification Windows), puis relancez Teleconsult."
    )
