"""Cross-cutting building blocks: settings, ids, clock, errors."""
