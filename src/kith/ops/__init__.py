"""Operations: backing up and restoring the whole database (``kith backup`` / ``kith restore``)."""
