"""Privacy: masking personal data in snapshots; the consent ledger comes later."""
