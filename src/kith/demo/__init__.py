"""The deterministic, bilingual demo dataset (``kith demo``)."""
