"""Choose the payment provider from the settings: Stripe when configured, else offline payments."""

from __future__ import annotations

from urllib.parse import urlsplit

from server.payment_providers.offline import OfflinePaymentProvider
from server.payment_providers.ports import PaymentProvider
from server.payment_providers.stripe import StripePaymentProvider
from server.settings import Settings, SettingsError

PROVIDERS = ("offline", "stripe")


def build_payment_provider(settings: Settings) -> PaymentProvider:
    """The provider named by `settings.payment_provider`.

    Raises:
        SettingsError: unknown provider, or Stripe without its secret key, webhook secret or a
            usable API address.
    """
    name = settings.payment_provider.strip().lower()
    if name in ("", "offline"):
        return OfflinePaymentProvider()
    if name == "stripe":
        missing = [
            variable
            for variable, value in (
                ("TELECONSULT_STRIPE_API_KEY", settings.stripe_api_key),
                ("TELECONSULT_STRIPE_WEBHOOK_SECRET", settings.stripe_webhook_secret),
            )
            if not value
        ]
        if missing:
            raise SettingsError("Configuration Stripe incomplète : " + ", ".join(missing) + ".")
        if urlsplit(settings.stripe_base_url).scheme not in ("http", "https"):
            raise SettingsError(
                f"Adresse de l'API Stripe invalide : {settings.stripe_base_url!r} "
                "(TELECONSULT_STRIPE_BASE_URL)."
            )
        return StripePaymentProvider(settings)
    raise SettingsError(
        f"Fournisseur de paiement inconnu : {settings.payment_provider!r} (valeurs possibles : "
        + ", ".join(PROVIDERS)
        + ")."
    )


def describe(provider: PaymentProvider, settings: Settings) -> str:
    """For the start-up log: which provider, never a secret."""
    if provider.name == "stripe":
        return f"payments: Stripe at {urlsplit(settings.stripe_base_url).netloc}"
    return "payments: offline (recorded by the practitioner)"
