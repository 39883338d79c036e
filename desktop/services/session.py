"""First run and sign-in: which server, which account, and where the token lives.

The settings remember the server and the last account (never the token); the token goes to the
OS keyring through `Credentials`, or stays in memory when no secure keyring exists (the user is
told once). A remembered session opens the main window from the local cache at once, even
offline; the server checks the token when the socket connects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from contracts.email_address import email_problem
from contracts.wire.accounts import PasswordResetStartedPublic, PractitionerCreate, UserPublic
from desktop.api.errors import INVALID_RESPONSE, ApiError
from desktop.api.http import normalize_server_url
from desktop.domain.app_settings import LOCAL, REMOTE, AppSettings
from desktop.domain.errors import UserFacingError
from desktop.domain.keyring_status import KeyringStatus
from desktop.kernel.messages import Messages
from desktop.services.local_server import LocalServer
from desktop.services.ports import Credentials, ServerApi, SettingsRepository

log = logging.getLogger(__name__)

ApiFactory = Callable[[str, str | None], ServerApi]


@dataclass(frozen=True)
class SignedIn:
    """A session: the server, the account, the bearer token and the local database's key.

    `cache_key` None: no secure keyring, the account's local database stays in memory.
    """

    server_url: str
    server_key: str
    account: UserPublic
    token: str = field(repr=False)
    cache_key: bytes | None = field(default=None, repr=False)

    @property
    def credential_key(self) -> str:
        return f"{self.server_key}|{self.account.email or ''}"


class SessionService:
    """Server choice, local server lifecycle, sign-in, sign-up, sign-out."""

    def __init__(
        self,
        settings: SettingsRepository,
        credentials: Credentials,
        local_server: LocalServer,
        api_factory: ApiFactory,
        messages: Messages,
    ) -> None:
        self._settings_repo = settings
        self._credentials = credentials
        self._local = local_server
        self._api_factory = api_factory
        self._messages = messages
        self._settings = settings.load()
        self._keyring_checked = False

    # ---------------------------------------------------------------- settings
    @property
    def settings(self) -> AppSettings:
        return self._settings

    def update_settings(self, **changes: object) -> AppSettings:
        self._settings = self._settings.with_changes(**changes)
        self._settings_repo.save(self._settings)
        return self._settings

    @property
    def needs_server_choice(self) -> bool:
        return not self._settings.configured

    @property
    def is_local(self) -> bool:
        return self._settings.server_mode == LOCAL

    @property
    def local_server(self) -> LocalServer:
        return self._local

    def choose_local(self) -> None:
        """« Utiliser ce poste (serveur local) »."""
        self.update_settings(server_mode=LOCAL, server_url="")

    async def choose_remote(self, url: str) -> str:
        """« Se connecter à un serveur »: check that `url` answers like a Teleconsult server.

        Raises:
            UserFacingError: nothing answers there, or not a Teleconsult server.
        """
        api = self._api_factory(url, None)
        try:
            if not url.strip():
                raise UserFacingError("Indiquez l'adresse du serveur.", field="url")
            try:
                healthy = (await api.health()).status == "ok"
            except ApiError as exc:
                if exc.code != INVALID_RESPONSE:
                    raise
                healthy = False  # it answers, but not what a Teleconsult server answers
            if not healthy:
                raise UserFacingError("Ce serveur ne répond pas comme un serveur Teleconsult.", field="url")
        finally:
            await api.aclose()
        self.update_settings(server_mode=REMOTE, server_url=api.server_url, local_port=0)
        return api.server_url

    def use_server_option(self, url: str) -> None:
        """`--server URL` on the command line: that server, without the first-run question."""
        api_url = normalize_server_url(url)
        if self._settings.server_mode != REMOTE or self._settings.server_url != api_url:
            self.update_settings(server_mode=REMOTE, server_url=api_url)

    def reset_server(self) -> None:
        """« Changer de serveur… »: ask again at the next start."""
        self.update_settings(server_mode=None, server_url="", account_id="")

    async def server_url(self, *, wait: bool = True) -> str:
        """The server to talk to; starts the local one when that is the choice.

        Args:
            wait: for the local server, wait until it answers (else return as soon as it is spawned).
        """
        if self._settings.server_mode == LOCAL:
            url = await self._local.launch(self._settings.local_port)
            if wait:
                await self._local.wait_ready()
            if self._local.port != self._settings.local_port:
                if self._settings.local_port:  # another program holds it: say what that breaks
                    self._messages.warning(
                        f"Le port habituel du serveur local ({self._settings.local_port}) est pris par "
                        f"un autre programme : le serveur utilise maintenant le port {self._local.port}. "
                        "Les liens d'invitation déjà envoyés ne fonctionnent plus ; renvoyez-les depuis "
                        "la liste des invitations."
                    )
                self.update_settings(local_port=self._local.port)
            return url
        if self._settings.server_mode == REMOTE and self._settings.server_url:
            return self._settings.server_url
        raise UserFacingError("Aucun serveur n'est choisi.")

    async def shutdown(self) -> None:
        await self._local.stop()

    # ---------------------------------------------------------------- sessions
    async def restore(self, server_url: str) -> SignedIn | None:
        """The remembered session, without asking the server (it may be offline)."""
        s = self._settings
        if not (s.account_id and s.last_email):
            return None
        token = await self._credentials.get(f"{s.server_key}|{s.last_email}")
        if not token:
            return None
        account = UserPublic(
            id=s.account_id,
            role="practitioner",
            first_name=s.account_first_name,
            last_name=s.account_last_name,
            email=s.last_email,
            phone=None,
            plan=s.account_plan or None,
            event_seq=0,
        )
        key = await self._credentials.cache_key(f"{s.server_key}|{account.id}")
        return SignedIn(server_url, s.server_key, account, token, key)

    async def sign_in(self, server_url: str, email: str, password: str) -> SignedIn:
        """Sign in with email and password.

        Raises:
            ApiError: wrong credentials, rate limit, or server unreachable (French message).
        """
        api = self._api_factory(server_url, None)
        try:
            session = await api.login(email.strip(), password)
        finally:
            await api.aclose()
        return await self._remember(server_url, session.token, session.user)

    async def sign_up(self, server_url: str, account: PractitionerCreate) -> SignedIn:
        """Create a practitioner account (servers allowing it, like the local one) and sign in."""
        api = self._api_factory(server_url, None)
        try:
            session = await api.sign_up(account)
        finally:
            await api.aclose()
        return await self._remember(server_url, session.token, session.user)

    async def request_password_reset(self, server_url: str, email: str) -> PasswordResetStartedPublic:
        """« Mot de passe oublié ? »: ask the server to email a code (valid 10 minutes).

        Raises:
            UserFacingError: the address is not one (saying why), rate limit, server unreachable.
        """
        problem = email_problem(email)
        if problem is not None:
            raise UserFacingError(problem)
        api = self._api_factory(server_url, None)
        try:
            return await api.request_password_reset(email.strip())
        finally:
            await api.aclose()

    async def reset_password(self, server_url: str, reset_id: str, code: str, password: str) -> SignedIn:
        """Set a new password with the emailed code, and sign in with it.

        Raises:
            UserFacingError: wrong or expired code, weak password (French message from the server).
        """
        api = self._api_factory(server_url, None)
        try:
            session = await api.confirm_password_reset(reset_id, code.strip(), password)
        finally:
            await api.aclose()
        return await self._remember(server_url, session.token, session.user)

    async def keyring_status(self) -> KeyringStatus:
        """Whether sessions can be remembered on this machine (a secure OS keyring)."""
        return await self._credentials.check()

    async def _remember(self, server_url: str, token: str, account: UserPublic) -> SignedIn:
        key = await self._credentials.cache_key(f"{self._settings.server_key}|{account.id}")
        signed = SignedIn(server_url, self._settings.server_key, account, token, key)
        self.remember_account(account)
        await self._credentials.set(signed.credential_key, token)
        await self.warn_if_no_keyring()
        return signed

    def remember_account(self, account: UserPublic) -> None:
        """Keep the practitioner's own name and plan for the next offline start."""
        self.update_settings(
            account_id=account.id,
            last_email=account.email or "",
            account_first_name=account.first_name,
            account_last_name=account.last_name,
            account_plan=account.plan or "",
        )

    async def warn_if_no_keyring(self) -> None:
        if self._keyring_checked:
            return
        self._keyring_checked = True
        status = await self._credentials.check()
        if status.warning:
            self._messages.warning(status.warning)

    async def sign_out(self, signed: SignedIn) -> None:
        """Revoke the token on the server when reachable, and forget it here in any case."""
        api = self._api_factory(signed.server_url, signed.token)
        try:
            await api.logout()
        except UserFacingError:
            log.info("logout could not reach the server; token forgotten locally")
        finally:
            await api.aclose()
        await self.forget_token(signed)

    async def forget_token(self, signed: SignedIn) -> None:
        await self._credentials.delete(signed.credential_key)
        self.update_settings(account_id="")
