"""Reviewed whitelist of vulture findings that are not dead code (read by vulture, never run).

`make lint` runs vulture on desktop/, server/ and teleconsult/ with this file (pyproject.toml,
[tool.vulture]). Every entry below was checked by hand: add one only with the reason it is used
although no Python code of the product calls or reads it, in the group giving that reason. Code
only the tests use is dead unless it is a deliberate test seam (listed as such); delete it instead.
Vulture matches names, not objects: `Class.name` documents where a name lives, and keeps every
attribute of that name alive.
"""

# ---------------------------------------------------------------- Qt virtual overrides
# Qt calls these on the C++ side (events, item views, event filters); Python never names them.
from desktop.ui.call.call_window import _PreviewPlacer
from desktop.ui.call.widgets.video_surface import VideoSurface
from desktop.ui.icons import _TintedIconEngine
from desktop.ui.pages.conversation_page import ConversationPage
from desktop.ui.widgets.conversation_delegate import ConversationDelegate
from desktop.ui.widgets.conversation_list_model import ConversationListModel

_PreviewPlacer.eventFilter
watched  # the first argument of eventFilter(watched, event): Qt's signature
VideoSurface.paintEvent
ConversationPage.dragEnterEvent
ConversationPage.dragMoveEvent
ConversationPage.dropEvent
ConversationDelegate.sizeHint
ConversationListModel.rowCount
_TintedIconEngine.clone  # QIcon copies its engine through clone()

# ---------------------------------------------------------------- references that keep objects alive
# The event filter object must outlive the constructor; the QImage points into the numpy buffer
# without owning it, so the buffer is held as long as the image is.
from desktop.ui.call.call_window import CallWindow

CallWindow._placer
VideoSurface._pixels

# ---------------------------------------------------------------- attributes set for a library
# PyAV reads the timing of the frames we hand to aiortc; aiortc reads the candidate's mid and
# m-line index; the SQLite driver reads isolation_level (None: our own BEGIN, server/storage/db.py);
# ReportLab reads its default canvas font (DejaVu, set in desktop/billing/pdf_style.py).
import sqlite3

import av
from aiortc import RTCIceCandidate
from reportlab import rl_config

av.AudioFrame.sample_rate
av.AudioFrame.time_base
av.VideoFrame.time_base
RTCIceCandidate.sdpMid
RTCIceCandidate.sdpMLineIndex
sqlite3.Connection.isolation_level
rl_config.canvas_basefontname

# ---------------------------------------------------------------- FastAPI: registered by decorators
# Routes (@router.get/post/…), the security-headers middleware and the exception handlers are
# called by FastAPI/Starlette; nothing calls them by name.
from server.api.routes import attachments as attachment_routes
from server.api.routes import auth as auth_routes
from server.api.routes import billing as billing_routes
from server.api.routes import calls as call_routes
from server.api.routes import conversations as conversation_routes
from server.api.routes import invitations as invitation_routes
from server.api.routes import patients as patient_routes
from server.api.routes import payments as payment_routes

from contracts.wire.common import Input
from contracts.wire.invitations import LinkInvitationPublic, PractitionerCardPublic
from contracts.wire.payments import PaymentPublic, PractitionerFeePublic
from server.patient_web import pages as patient_pages

_security_headers  # @app.middleware("http") in server/api/app.py
_domain  # @app.exception_handler(DomainError) in server/api/errors.py
_unexpected  # @app.exception_handler(Exception) in server/api/errors.py
_storage_full  # @app.exception_handler(DiskFullError) in server/api/errors.py
attachment_routes.put_attachment
attachment_routes.get_attachment
auth_routes.signup_practitioner
billing_routes.list_claims
billing_routes.get_claim
billing_routes.list_notes
billing_routes.get_note
billing_routes.link_note_pdf
call_routes.current_call
call_routes.get_ice_servers
conversation_routes.list_conversations
conversation_routes.get_conversation
conversation_routes.update_conversation
conversation_routes.list_messages
invitation_routes.list_invitations
invitation_routes.get_invitation
invitation_routes.correct_invitation
invitation_routes.lookup_link
invitation_routes.accept_link
patient_routes.signup_patient
patient_routes.confirm_patient_signup
patient_routes.request_password_reset
patient_routes.confirm_password_reset
patient_routes.create_request
patient_routes.list_requests
patient_routes.search_directory
payment_routes.list_payments
payment_routes.list_practitioner_payments
payment_routes.get_payment
payment_routes.mark_payment_paid
payment_routes.checkout_payment
payment_routes.stripe_webhook
patient_pages.forgotten_password
patient_pages.invitation_without_token
patient_pages.help_index
patient_pages.help_page

# ---------------------------------------------------------------- Pydantic: configuration and JSON fields
# model_config is read by Pydantic; response fields are serialized to JSON and read by the
# patient pages' JavaScript (server/patient_web/static/js) and the landing template.
from contracts.wire.calls import CallStartOkFrame
from contracts.wire.conversations import ConversationReadEvent

Input.model_config
Input._text_policy  # @field_validator("*"): the input policy, run by Pydantic on every field
ConversationReadEvent.reader_role  # desktop/services/conversations.py reads the event's JSON
CallStartOkFrame.ref  # the sender's own `ref`, echoed so it can match the answer (docs/video.md)
PractitionerFeePublic.profession_label  # payments.js
PaymentPublic.can_pay_online  # payments.js
LinkInvitationPublic.valid_until  # templates/invitation.html
PractitionerCardPublic.profession_label  # pages/directory.js
PractitionerCardPublic.specialty_label  # pages/directory.js
PractitionerCardPublic.request_status  # pages/directory.js
# A field validated and written under its alias « schema » (the claim document's version).
from contracts.billing.document import ClaimDocument
from server.settings import Settings

ClaimDocument.schema_version
# Validators called by Pydantic on every settings value.
Settings._from_text
Settings._optional_path
Settings._log_format
Settings._metrics_token

# ---------------------------------------------------------------- SQLAlchemy: hooks and columns
# TypeDecorator and DeclarativeBase hooks are called by SQLAlchemy; these columns are written
# through insert().values(...) keywords and kept for audits and operators (never read back in Python).
from server.db.base import Base, UTCDateTime
from server.delivery.models import DeliveryJob
from server.kernel.models import AuditEntry
from server.payments.models import PaymentWebhookEvent

UTCDateTime.impl
UTCDateTime.cache_ok
UTCDateTime.process_bind_param
UTCDateTime.process_result_value
Base.type_annotation_map
AuditEntry.actor_id
AuditEntry.actor_role
PaymentWebhookEvent.received_at
DeliveryJob.last_error

# ---------------------------------------------------------------- Alembic: read from each migration module
# server/storage/migrations/versions/*.py: Alembic reads these module variables and calls downgrade().
revision
down_revision
branch_labels
depends_on
downgrade

# ---------------------------------------------------------------- observables read by the tests
# Counters and last-frame facts the product keeps about media it handles, asserted by the call
# screen tests (test_call_ui, test_video_surface_ui) and the video tests; cheap, and the only way
# to see that video is painted or that the speaker buffer dropped or ran dry.
from desktop.video.audio_device import SoundDeviceSpeaker
from desktop.video.audio_sync import AudioSync
from desktop.video.jitter import MarkerJitterBuffer
from desktop.video.peer import PeerSession
from desktop.video.sinks import LatestFrameSink
from desktop.video.stats import CallStats

VideoSurface.frames_painted
VideoSurface.frame_size
LatestFrameSink.dropped
SoundDeviceSpeaker.underruns
SoundDeviceSpeaker.dropped_bytes
MarkerJitterBuffer.early_frames
MarkerJitterBuffer.holes_skipped  # gaps given up on, frames dropped for a key frame, NACKs repeated
MarkerJitterBuffer.frames_dropped
MarkerJitterBuffer.renacks
AudioSync.inserts  # lip sync: silences inserted, drops, their frames, what waits (audio_sync tests)
AudioSync.drops
AudioSync.silence_frames
AudioSync.dropped_frames
AudioSync.queued
PeerSession.audio_sync  # read by the loopback tests and the impaired-network measurement
CallStats.send_fps  # a field of the per-second stats record, beside receive_fps

# ---------------------------------------------------------------- deliberate test seams
# - RealtimeClient.drop: cuts the socket as a network outage would (test_conversation_tools_ui);
# - memory_pair: the in-process adapter of the call signaling port (loopback tests);
# - read_marker / marker_age_ms: the reading half of the test pattern's clock marker, beside the
#   private drawing code they share (latency measured by the video tests);
# - invitation_delivery: lets the tests run the periodic invitation-expiry sweep now;
# - AccountService.create_patient: the tests' patients, without the sign-up code (issue 11).
from server.domain.invitation_feature import invitation_delivery

from desktop.api.realtime import RealtimeClient
from desktop.services.ports import RealtimeLink
from desktop.video.signaling import memory_pair
from desktop.video.sources import marker_age_ms, read_marker
from server.accounts.service import AccountService

RealtimeClient.drop
RealtimeLink.drop
memory_pair
read_marker
marker_age_ms
invitation_delivery
AccountService.create_patient

# ---------------------------------------------------------------- shared billing rules (contracts.billing)
# Reviewed with the desktop billing rework: nothing of the desktop uses these, and the rules engine
# is not the desktop's to prune — its owner (the catalog and claim rework) reviews them with the
# server's use. Catalog entries keep their verification and sources for audits; the enum members
# are values a stored claim may hold; `ensure_allowed`/`eligible_acts` and `transition` are that
# engine's API; `is_valid_nir` is the identifier rule beside the RPPS one.
from contracts.billing.catalog import Catalog, Entry, Verification
from contracts.billing.claim_parts import Exoneration, InsuranceNature
from contracts.billing.claims import Claim
from contracts.billing.reimbursement import ReimbursementEstimate
from contracts.billing.rules import BillingRules
from contracts.identifiers import is_valid_nir

Verification.VERIFIED
Verification.PARTIAL
Verification.HISTORICAL
Entry.verification
Entry.other_sources
Entry.is_valid_on
Catalog.territory
InsuranceNature.AT_MP
Exoneration.ALD
Claim.set_act
Claim.transition  # the status machine's step with its history (the server keeps statuses)
ReimbursementEstimate.amo_gross
BillingRules.eligible_acts
BillingRules.ensure_allowed
is_valid_nir

# ---------------------------------------------------------------- the theme's contrast contract
# The text/background and focus-ring pairs the stylesheet paints, next to the rules they describe;
# tests/desktop/ui/test_theme_ui.py holds every pair to WCAG AA in both schemes.
from desktop.ui import theme

theme.TEXT_PAIRS
theme.FOCUS_PAIRS
theme.contrast
