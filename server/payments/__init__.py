"""Payment requests: asked, paid online or recorded, cancelled, refunded; provider notifications."""
