"""Documents in conversations: streamed, recognised by content, encrypted at rest, audited.

An upload is checked before a byte is read (participant, patient-write policy, idempotent retry),
then streamed through `FileSniffer` and a `BlobStore` writer (files or database) at the same time, so only
about 1 MiB of it is ever in memory. The attachment row and its message (kind ``attachment``,
same id) are written in one transaction, which also sends ``message.created`` to both
participants and audits ``attachment.create``. A download re-authenticates every record of the
blob before the first byte goes out, and is audited as ``attachment.read``. Logs and audit
entries carry ids only, never file names or content.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.wire.attachments import AttachmentPublic
from contracts.wire.conversations import MessagePublic
from server.attachments.blobs import (
    BlobCorruptedError,
    BlobError,
    BlobKeyMismatchError,
    BlobMissingError,
    BlobStore,
)
from server.attachments.filetypes import EXTENSIONS, FileKind, FileSniffer
from server.attachments.models import Attachment
from server.conversations.models import Conversation, Message
from server.conversations.service import EMERGENCY, ConversationService, message_public, patient_can_write
from server.kernel.core import Actor, Core
from server.kernel.errors import ConflictError, DomainError, ForbiddenError, GoneError, NotFoundError
from server.kernel.values import check_uuid

log = logging.getLogger(__name__)

MAX_FILENAME = 180
NOT_FOUND = "Document introuvable."
ID_IN_USE = "Cet identifiant de message est déjà utilisé."
OTHER_DOCUMENT = (
    "Cet identifiant de document est déjà utilisé pour un autre fichier : "
    "envoyez ce fichier sous un nouvel identifiant."
)


class FileTooLargeError(DomainError):
    status = 413
    code = "file_too_large"


class AttachmentCorruptedError(ConflictError):
    code = "attachment_corrupted"


@dataclass(frozen=True)
class _Upload:
    """A received file, stored as a blob, before its row is written."""

    filename: str  # cleaned
    kind: FileKind
    blob_name: str
    size: int
    digest: bytes  # SHA-256 of the plaintext


@dataclass
class AttachmentDownload:
    """A document ready to stream: its metadata and its authenticated plaintext chunks."""

    id: str
    filename: str
    content_type: str
    size: int
    chunks: AsyncIterator[bytes]


def attachment_public(row: Attachment) -> AttachmentPublic:
    return AttachmentPublic(
        id=row.id,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        width=row.width,
        height=row.height,
    )


def clean_filename(raw: str, kind: FileKind) -> str:
    """A displayable file name whose extension matches the recognised content.

    Path parts, control and bidirectional-override characters are dropped; a known extension of
    another format is replaced (« scan.png » holding a JPEG becomes « scan.jpg »), any other
    suffix kept and the right extension appended.
    """
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    known = {e for exts in EXTENSIONS.values() for e in exts}
    if ext.lower() in EXTENSIONS[kind.content_type]:
        suffix = ext
    else:
        if dot and ext.lower() not in known:
            stem = name
        suffix = kind.extension
    stem = stem.strip(" .") or ("document" if kind.content_type == "application/pdf" else "photo")
    return f"{stem[: MAX_FILENAME - len(suffix) - 1].rstrip(' .')}.{suffix}"


class AttachmentService:
    """Upload and download of documents by the two participants of a conversation."""

    def __init__(
        self, core: Core, conversations: ConversationService, store: BlobStore, max_bytes: int
    ) -> None:
        self._core = core
        self._conversations = conversations
        self._store = store
        self._max_bytes = max_bytes

    @property
    def store(self) -> BlobStore:
        return self._store

    def _too_large(self) -> FileTooLargeError:
        mo = self._max_bytes / (1024 * 1024)
        return FileTooLargeError(f"Le fichier dépasse la taille maximale de {mo:g} Mo.")

    # ---------------------------------------------------------------- upload
    async def upload(
        self,
        actor: Actor,
        conversation_id: str,
        attachment_id: str,
        filename: str,
        body: AsyncIterable[bytes],
        declared_size: int | None = None,
    ) -> tuple[MessagePublic, bool]:
        """Store a document once and post it in the conversation; a retry returns the stored one.

        Returns:
            The attachment message and whether this call created it.

        Raises:
            NotFoundError: unknown conversation, or one the actor is not part of.
            ForbiddenError: the practitioner closed the conversation to the patient.
            ConflictError: the id is already used by another message or document.
            FileTooLargeError, UnsupportedFileError, ImageTooLargeError: the file is refused.
        """
        attachment_id = check_uuid(attachment_id, "id")
        if declared_size is not None and declared_size > self._max_bytes:
            raise self._too_large()
        # Everything that can refuse the upload without its content is checked before reading it.
        async with self._core.db.read() as session:
            conv = await self._conversations.load_for(session, actor, conversation_id)
            existing = await self._existing(session, actor, conv, attachment_id)
        if existing is not None:
            # A retry: the stored document if this is the same file, else 409 (nothing changes).
            await self._same_upload(existing[1], filename, body)
            return existing[0], False
        async with self._core.db.read() as session:
            conv = await self._conversations.load_for(session, actor, conversation_id)
            self._check_may_write(actor, conv, self._core.clock())

        writer = await self._store.writer()
        digest = hashlib.sha256()
        try:
            sniffer = FileSniffer()
            async for chunk in body:
                if sniffer.size + len(chunk) > self._max_bytes:
                    raise self._too_large()
                sniffer.feed(chunk)
                digest.update(chunk)
                await writer.write(chunk)
            kind = sniffer.finish()
            blob = await writer.commit()
        except BaseException:
            await writer.abort()
            raise

        upload = _Upload(clean_filename(filename, kind), kind, blob.name, blob.size, digest.digest())
        try:
            return await self._record(actor, conversation_id, attachment_id, upload)
        except BaseException:
            await self._store.delete(blob.name)
            raise

    async def _same_upload(self, row: Attachment, filename: str, body: AsyncIterable[bytes]) -> None:
        """Read a retried upload and raise ConflictError unless it is the stored file, same name."""
        sniffer = FileSniffer()
        digest = hashlib.sha256()
        async for chunk in body:
            if sniffer.size + len(chunk) > row.size:
                raise ConflictError(OTHER_DOCUMENT, code="id_in_use", field="id")
            sniffer.feed(chunk)
            digest.update(chunk)
        try:
            kind = sniffer.finish()
        except DomainError:  # not a document at all: not the stored one
            raise ConflictError(OTHER_DOCUMENT, code="id_in_use", field="id") from None
        await self._check_same(row, clean_filename(filename, kind), sniffer.size, digest.digest())

    async def _check_same(self, row: Attachment, filename: str, size: int, digest: bytes) -> None:
        if (row.filename, row.size) != (filename, size):
            raise ConflictError(OTHER_DOCUMENT, code="id_in_use", field="id")
        stored = hashlib.sha256()
        try:
            reader = await self._store.open(row.blob_name)
            async for chunk in reader.chunks():
                stored.update(chunk)
        except BlobError as exc:  # cannot be compared: answered as before, the stored document
            log.warning("attachment %s: retry not compared (%s)", row.id, type(exc).__name__)
            return
        if stored.digest() != digest:
            raise ConflictError(OTHER_DOCUMENT, code="id_in_use", field="id")

    async def _record(
        self, actor: Actor, conversation_id: str, attachment_id: str, upload: _Upload
    ) -> tuple[MessagePublic, bool]:
        try:
            async with self._core.transaction() as tx:
                # Checked again: the upload took time, and a retry may have landed meanwhile.
                conv = await self._conversations.load_for(tx.session, actor, conversation_id)
                existing = await self._existing(tx.session, actor, conv, attachment_id)
                if existing is not None:
                    await self._check_same(existing[1], upload.filename, upload.size, upload.digest)
                    await self._store.delete(upload.blob_name)
                    return existing[0], False
                self._check_may_write(actor, conv, tx.now)
                row = Attachment(
                    id=attachment_id,
                    conversation_id=conv.id,
                    uploader_id=actor.user_id,
                    filename=upload.filename,
                    content_type=upload.kind.content_type,
                    size=upload.size,
                    width=upload.kind.width,
                    height=upload.kind.height,
                    blob_name=upload.blob_name,
                    created_at=tx.now,
                )
                tx.session.add(row)
                await tx.session.flush()
                message = await self._conversations.append(
                    tx,
                    conv,
                    sender=actor,
                    body="",
                    kind="attachment",
                    data={"attachment": attachment_public(row).model_dump(mode="json")},
                    message_id=attachment_id,
                )
                await tx.audit(actor, "attachment.create", "attachment", attachment_id)
        except IntegrityError:
            # A concurrent retry with the same id committed first (PostgreSQL): answer with it.
            async with self._core.db.read() as session:
                conv = await self._conversations.load_for(session, actor, conversation_id)
                existing = await self._existing(session, actor, conv, attachment_id)
            if existing is None:
                raise
            await self._check_same(existing[1], upload.filename, upload.size, upload.digest)
            await self._store.delete(upload.blob_name)
            return existing[0], False
        log.info("attachment %s stored (%s bytes) in conversation %s", attachment_id, upload.size, conv.id)
        return message, True

    async def _existing(
        self, session: AsyncSession, actor: Actor, conv: Conversation, attachment_id: str
    ) -> tuple[MessagePublic, Attachment] | None:
        """The stored message and document of a retried upload; ConflictError if the id belongs to
        something else (another message, another sender or conversation)."""
        message = await session.get(Message, attachment_id)
        if message is None:
            return None
        attachment = await session.get(Attachment, attachment_id)
        if attachment is None or message.sender_id != actor.user_id or message.conversation_id != conv.id:
            raise ConflictError(ID_IN_USE, code="id_in_use", field="id")
        role = "practitioner" if message.sender_id == conv.practitioner_id else "patient"
        return message_public(message, role), attachment

    @staticmethod
    def _check_may_write(actor: Actor, conv: Conversation, now: datetime) -> None:
        if actor.is_patient and not patient_can_write(conv, now):
            raise ForbiddenError(
                "Votre praticien a fermé cette conversation : vous ne pouvez pas y envoyer de document "
                "pour le moment. " + EMERGENCY,
                code="conversation_closed",
            )

    # ---------------------------------------------------------------- download
    async def open_download(self, actor: Actor, attachment_id: str) -> AttachmentDownload:
        """A document for one of the two participants, checked whole before it is served.

        Raises:
            NotFoundError: unknown id, or a document of a conversation the actor is not part of.
            AttachmentCorruptedError: the stored file fails its integrity check.
            GoneError: the stored file is missing.
        """
        try:
            key = str(uuid.UUID(attachment_id))
        except (ValueError, AttributeError, TypeError):
            raise NotFoundError(NOT_FOUND) from None
        async with self._core.db.read() as session:
            found = (
                await session.execute(
                    select(Attachment, Conversation)
                    .join(Conversation, Conversation.id == Attachment.conversation_id)
                    .where(Attachment.id == key)
                )
            ).first()
        if found is None or actor.user_id not in (found[1].practitioner_id, found[1].patient_id):
            raise NotFoundError(NOT_FOUND)
        row: Attachment = found[0]
        try:
            reader = await self._store.open(row.blob_name)
        except BlobMissingError:
            log.error("attachment %s: stored file %s is missing", row.id, row.blob_name)
            raise GoneError(
                "Le fichier de ce document n'est plus disponible sur le serveur. "
                "Demandez à votre correspondant de l'envoyer de nouveau.",
                code="attachment_missing",
            ) from None
        except BlobCorruptedError as exc:
            raise self._corrupted(row, exc) from None
        try:
            await reader.verify()
            if reader.size != row.size:
                raise BlobCorruptedError(f"blob {row.blob_name}: size differs from the record")
        except BaseException as exc:
            reader.close()
            if isinstance(exc, BlobCorruptedError):
                raise self._corrupted(row, exc) from None
            raise
        self._core.audit_read(actor, "attachment.read", "attachment", row.id)
        return AttachmentDownload(row.id, row.filename, row.content_type, row.size, reader.chunks())

    @staticmethod
    def _corrupted(row: Attachment, exc: BlobCorruptedError) -> AttachmentCorruptedError:
        reason = "encrypted under another key" if isinstance(exc, BlobKeyMismatchError) else str(exc)
        log.error("attachment %s: integrity check failed (%s)", row.id, reason)
        return AttachmentCorruptedError(
            "Ce document est endommagé sur le serveur et ne peut pas être ouvert en toute sécurité. "
            "Demandez à votre correspondant de l'envoyer de nouveau."
        )
