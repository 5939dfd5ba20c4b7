"""The web UI, served by Kith itself (no CDN)."""
