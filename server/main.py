"""The command line of `teleconsult-server`: serve, migrate, create-practitioner, set-plan,
audit-verify, backup, restore, documents-migrate, documents-rotate-key."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contracts.clock import system_clock
from contracts.professions import PROFESSIONS, SECTORS, SPECIALTIES
from server.accounts.service import NewPractitioner
from server.app import build_app, start_runtime
from server.attachments.blobs import KEY_ID, MAGIC, SALT, BlobKeyMismatchError, load_keyring
from server.attachments.db_store import DatabaseBlobStore
from server.attachments.file_store import FileBlobStore
from server.attachments.stores import StoreReport, build_blob_store, copy_files_to_database, reseal_all
from server.container import Services
from server.db.backup import BackupError, backup, restore
from server.db.database import Database
from server.db.migrate import upgrade
from server.kernel.audit import seal_audit, verify_audit
from server.kernel.errors import DomainError
from server.kernel.logs import log_handler
from server.settings import Settings, SettingsError

log = logging.getLogger("teleconsult.server")


# ---------------------------------------------------------------------------------------------- CLI
def _settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for name in ("host", "port", "database_url", "redis_url", "public_url", "trusted_proxies"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "data_dir", None):
        from pathlib import Path

        overrides["data_dir"] = Path(args.data_dir).expanduser()
    if getattr(args, "allow_practitioner_signup", False):
        overrides["allow_practitioner_signup"] = True
    if getattr(args, "signup_plan", None):
        overrides["signup_plan"] = args.signup_plan
    return Settings.load(overrides=overrides)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="dossier des données (défaut : dossier utilisateur)")
    p.add_argument("--database-url", help="URL SQLAlchemy, ex. postgresql+asyncpg://… (défaut : SQLite)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="teleconsult-server",
        description="Serveur compagnon Teleconsult : pages patients, signalisation des appels, données.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="commande")

    serve = sub.add_parser("serve", help="démarrer le serveur (applique les migrations au démarrage)")
    _add_common(serve)
    serve.add_argument("--host", help="adresse d'écoute (défaut 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port d'écoute (défaut 8765)")
    serve.add_argument("--redis-url", help="Redis pour plusieurs processus serveur")
    serve.add_argument("--public-url", help="URL publique des pages patients (liens des invitations)")
    serve.add_argument(
        "--trusted-proxies",
        help="proxys dont X-Forwarded-For est cru, séparés par des virgules (défaut 127.0.0.1,::1)",
    )
    serve.add_argument(
        "--allow-practitioner-signup", action="store_true", help="autoriser la création de comptes praticiens"
    )
    serve.add_argument(
        "--signup-plan",
        choices=["PRO", "PRO+"],
        help="formule des comptes créés par inscription (défaut PRO)",
    )

    migrate = sub.add_parser("migrate", help="appliquer les migrations de la base de données")
    _add_common(migrate)

    create = sub.add_parser("create-practitioner", help="créer un compte praticien")
    _add_common(create)
    create.add_argument("--email", required=True)
    create.add_argument("--first-name", required=True)
    create.add_argument("--last-name", required=True)
    create.add_argument("--profession", required=True, choices=sorted(PROFESSIONS))
    create.add_argument("--specialty", choices=sorted(SPECIALTIES))
    create.add_argument("--rpps", required=True, help="numéro RPPS (11 chiffres)")
    create.add_argument("--sector", default="secteur_1", choices=sorted(SECTORS))
    create.add_argument("--plan", default="PRO", choices=["PRO", "PRO+"])
    create.add_argument("--city")
    create.add_argument("--am-number", help="numéro d'Assurance Maladie (9 chiffres)")
    create.add_argument("--password", help="mot de passe (sinon demandé, ou TELECONSULT_PASSWORD)")

    plan = sub.add_parser("set-plan", help="changer la formule d'un praticien (PRO ou PRO+)")
    _add_common(plan)
    plan.add_argument("--email", required=True)
    plan.add_argument("--plan", required=True, choices=["PRO", "PRO+"])

    verify = sub.add_parser(
        "audit-verify", help="vérifier la chaîne d'empreintes du journal d'audit (premier maillon rompu)"
    )
    _add_common(verify)

    save = sub.add_parser(
        "backup", help="sauvegarder (SQLite) la base, les documents et leur clé dans une archive .tar.gz"
    )
    _add_common(save)
    save.add_argument("archive", help="fichier d'archive à écrire, ex. teleconsult-2026-12-03.tar.gz")

    load = sub.add_parser("restore", help="restaurer une archive de `backup` dans un dossier de données vide")
    _add_common(load)
    load.add_argument("archive", help="archive écrite par `teleconsult-server backup`")
    documents = sub.add_parser(
        "documents-migrate",
        help="copier les documents chiffrés des fichiers du dossier de données vers la base de données",
    )
    _add_common(documents)
    rotate = sub.add_parser(
        "documents-rotate-key",
        help="rechiffrer chaque document sous la clé actuelle (TELECONSULT_ATTACHMENTS_KEY), "
        "après quoi les anciennes clés peuvent être retirées",
    )
    _add_common(rotate)
    rotate.add_argument(
        "--store", choices=["files", "database"], help="stockage à traiter (défaut : celui du serveur)"
    )
    return parser


class _NoSocketTrace(logging.Filter):
    """Drops the websockets library's DEBUG trace, which uvicorn writes under `uvicorn.error`: every
    socket frame (a message's text, a session token) and handshake header, each cut to 75 characters
    but still readable."""

    def filter(self, record: logging.LogRecord) -> bool:
        import websockets

        library = str(Path(websockets.__file__).parent) + os.sep
        return not (record.levelno <= logging.DEBUG and record.pathname.startswith(library))


def configure_logging(level: str, log_format: str = "text") -> None:
    """The process's log: `level` for every logger, but none that prints values (health data);
    `log_format` « text » or « json » (`server.kernel.logs`)."""
    logging.basicConfig(level=level.upper(), handlers=[log_handler(log_format)])
    hold_value_loggers()


def hold_value_loggers() -> None:
    """Hold back the loggers that print values at DEBUG (again after uvicorn configured its own)."""
    # aiosqlite's debug lines print each call with its arguments: the statement's parameters.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, logging.getLogger().level))
    socket_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _NoSocketTrace) for f in socket_log.filters):
        socket_log.addFilter(_NoSocketTrace())


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings_from(args)
    except SettingsError as exc:
        print(f"Erreur de configuration : {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    try:
        if args.command == "serve":
            return _serve(settings)
        if args.command == "migrate":
            asyncio.run(upgrade(settings.effective_database_url))
            print("Base de données à jour.")
            return 0
        if args.command == "create-practitioner":
            return asyncio.run(_create_practitioner(settings, args))
        if args.command == "set-plan":
            return asyncio.run(_set_plan(settings, args.email, args.plan))
        if args.command == "audit-verify":
            return asyncio.run(_audit_verify(settings))
        if args.command in ("backup", "restore"):
            return _backup_or_restore(settings, args.command, Path(args.archive))
        if args.command in ("documents-migrate", "documents-rotate-key"):
            return asyncio.run(_documents(settings, args.command, getattr(args, "store", None)))
    except DomainError as exc:
        print(f"Erreur : {exc.detail}", file=sys.stderr)
        return 1
    except BackupError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    return 2


def _backup_or_restore(settings: Settings, command: str, archive: Path) -> int:
    if command == "backup":
        summary = backup(settings, archive)
        print(
            f"Sauvegarde écrite : {archive} (base {summary.database_bytes} octets, "
            f"{summary.documents} documents, clé {'incluse' if summary.with_key else 'NON incluse'})."
        )
        if not summary.with_key:
            print("La clé des documents vient de TELECONSULT_ATTACHMENTS_KEY : conservez-la à part.")
        return 0
    summary = restore(settings, archive)
    print(
        f"Sauvegarde restaurée dans {settings.data_dir} : {summary.documents} documents, "
        f"clé {'restaurée' if summary.with_key else 'absente de l’archive (TELECONSULT_ATTACHMENTS_KEY)'}."
    )
    unreadable = _documents_under_another_key(settings)
    if unreadable:
        print(
            f"Attention : {unreadable} documents sont chiffrés sous une autre clé que celle configurée "
            "(clé absente ou différente) : ils resteront illisibles sans la bonne clé.",
            file=sys.stderr,
        )
        return 1
    return 0


def _documents_under_another_key(settings: Settings) -> int:
    """How many stored documents the configured key cannot open (their header names its key id)."""
    root = settings.effective_attachments_dir
    files = [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"]
    if not files:
        return 0
    key_file = settings.data_dir / "attachments.key"
    if not settings.attachments_key.get_secret_value() and not key_file.is_file():
        return len(files)
    try:  # the current key and the previous ones (a rotation may be under way)
        keyring = load_keyring(
            settings.attachments_key.get_secret_value(),
            key_file,
            settings.attachments_previous_keys.get_secret_value(),
        )
    except SettingsError:
        return len(files)
    other = 0
    for path in files:
        with path.open("rb") as f:
            header = f.read(len(MAGIC) + KEY_ID + SALT)
        try:
            keyring.key_for(header, path.name)
        except BlobKeyMismatchError:
            other += 1
    return other


def _serve(settings: Settings) -> int:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    app = build_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,  # 4-6x less memory per socket; frames are small JSON
        ws_max_size=256 * 1024,
        log_level=settings.log_level,
        # JSON: uvicorn's loggers keep no handler of their own and write through the root's.
        log_config=None if settings.log_format == "json" else LOGGING_CONFIG,
        access_log=False,  # URLs carry ids only, but keep logs minimal (health data rules)
        proxy_headers=False,  # the app reads X-Forwarded-* itself, from TELECONSULT_TRUSTED_PROXIES only
        server_header=False,
    )
    hold_value_loggers()  # uvicorn.Config configured uvicorn's loggers
    uvicorn.Server(config).run()
    return 0


async def _with_services(settings: Settings, action: Callable[[Services], Awaitable[None]]) -> None:
    runtime = await start_runtime(settings)
    try:
        return await action(runtime.services)
    finally:
        await runtime.close()


async def _create_practitioner(settings: Settings, args: argparse.Namespace) -> int:
    import os

    password = args.password or os.environ.get("TELECONSULT_PASSWORD") or getpass.getpass("Mot de passe : ")
    data = NewPractitioner(
        email=args.email,
        password=password,
        first_name=args.first_name,
        last_name=args.last_name,
        profession=args.profession,
        specialty=args.specialty,
        rpps=args.rpps,
        sector=args.sector,
        plan=args.plan,
        city=args.city,
        am_number=args.am_number,
    )

    async def action(services: Services) -> None:
        user = await services.accounts.create_practitioner(data)
        print(f"Compte praticien créé : {user.email} ({args.plan}).")

    await _with_services(settings, action)
    return 0


async def _set_plan(settings: Settings, email: str, plan: str) -> int:
    async def action(services: Services) -> None:
        await services.accounts.set_plan(email, plan)
        print(f"Formule de {email} : {plan}.")

    await _with_services(settings, action)
    return 0


async def _audit_verify(settings: Settings) -> int:
    """0 when every sealed entry's link holds, 1 at the first broken one (named by its number)."""
    await upgrade(settings.effective_database_url)
    db = Database(settings.effective_database_url)
    try:
        async with db.write() as session:  # entries not sealed yet are sealed first
            await seal_audit(session, datetime.now(UTC))  # sealing does not read the time
        async with db.read() as session:
            result = await verify_audit(session)
    finally:
        await db.dispose()
    if result.broken_at is not None:
        print(
            f"Journal d'audit altéré : premier maillon rompu à l'entrée n° {result.broken_at} "
            f"({result.reason}) ; {result.checked} entrées vérifiées avant elle.",
            file=sys.stderr,
        )
        return 1
    print(f"Journal d'audit intègre : {result.checked} entrées vérifiées.")
    return 0


async def _documents(settings: Settings, command: str, kind: str | None) -> int:
    """`documents-migrate` (files → database) or `documents-rotate-key`; 1 when a blob failed."""
    await upgrade(settings.effective_database_url)
    db = Database(settings.effective_database_url, reserve_bytes=settings.storage_reserve_bytes)
    try:
        if command == "documents-migrate":
            files = build_blob_store(settings, db, system_clock, "files")
            database = build_blob_store(settings, db, system_clock, "database")
            assert isinstance(files, FileBlobStore) and isinstance(database, DatabaseBlobStore)
            report = await copy_files_to_database(files, database)
            print(
                f"Documents copiés dans la base de données : {report.done} ; "
                f"déjà présents : {report.skipped}."
            )
        else:
            report = await reseal_all(build_blob_store(settings, db, system_clock, kind))
            print(
                f"Documents rechiffrés sous la clé actuelle : {report.done} ; "
                f"déjà sous cette clé : {report.skipped}."
            )
    finally:
        await db.dispose()
    return _report_failures(report)


def _report_failures(report: StoreReport) -> int:
    if report.unknown_key:
        print(
            f"{len(report.unknown_key)} document(s) chiffré(s) sous une clé absente de la configuration "
            "(TELECONSULT_ATTACHMENTS_KEY, TELECONSULT_ATTACHMENTS_PREVIOUS_KEYS) : "
            + ", ".join(report.unknown_key),
            file=sys.stderr,
        )
    if report.damaged:
        print(
            f"{len(report.damaged)} document(s) endommagé(s), laissé(s) tel(s) quel(s) : "
            + ", ".join(report.damaged),
            file=sys.stderr,
        )
    return 1 if report.failed else 0
