"""The open platform: outbound webhooks (signed, retried, per-owner field rules) and
request rate limits. See docs/integrate.md."""
