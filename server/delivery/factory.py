"""Choose the delivery adapters from the settings: SMTP and an SMS provider, else the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from server.delivery.outbox import OutboxDelivery, OutboxMailer, OutboxSmsGateway
from server.delivery.ovh_sms import OvhSmsGateway
from server.delivery.ports import Mailer, SmsGateway
from server.delivery.smtp import SmtpMailer
from server.settings import Settings, SettingsError

SMS_PROVIDERS = ("ovh",)


@dataclass(frozen=True)
class DeliveryAdapters:
    mailer: Mailer
    sms: SmsGateway
    description: str  # for the start-up log: which adapters, no secrets

    async def close(self) -> None:
        await self.mailer.close()
        await self.sms.close()


def build_delivery(settings: Settings) -> DeliveryAdapters:
    """The adapters for `settings`.

    Raises:
        SettingsError: an SMS provider is named but unknown or incompletely configured.
    """
    outbox = OutboxDelivery(settings.effective_outbox_dir, settings.smtp_from)
    mailer: Mailer
    sms: SmsGateway
    parts = []
    if settings.smtp_host:
        mailer = SmtpMailer(settings)
        parts.append(f"email: SMTP {settings.smtp_host}:{settings.smtp_port}")
    else:
        mailer = OutboxMailer(outbox)
        parts.append(f"email: outbox {outbox.folder}")
    provider = settings.sms_provider.strip().lower()
    if not provider:
        sms = OutboxSmsGateway(outbox)
        parts.append(f"sms: outbox {outbox.folder}")
    elif provider == "ovh":
        missing = [
            name
            for name, value in (
                ("TELECONSULT_SMS_API_KEY", settings.sms_api_key),
                ("TELECONSULT_SMS_API_SECRET", settings.sms_api_secret),
                ("TELECONSULT_SMS_CONSUMER_KEY", settings.sms_consumer_key),
                ("TELECONSULT_SMS_ACCOUNT", settings.sms_account),
            )
            if not value
        ]
        if missing:
            raise SettingsError("Configuration SMS OVHcloud incomplète : " + ", ".join(missing) + ".")
        sms = OvhSmsGateway(settings)
        parts.append("sms: OVHcloud")
    else:
        raise SettingsError(
            f"Fournisseur SMS inconnu : {settings.sms_provider!r} (valeurs possibles : "
            + ", ".join(SMS_PROVIDERS)
            + ", ou vide pour le dossier d'envoi local)."
        )
    return DeliveryAdapters(mailer=mailer, sms=sms, description="; ".join(parts))
