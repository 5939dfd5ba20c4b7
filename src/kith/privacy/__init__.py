"""Privacy: the consent ledger (enforced by the gateway), data-subject requests,
PII detection and masking, field encryption. See docs/privacy.md."""
