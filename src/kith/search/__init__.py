"""Full-text search over names, emails and phones, Chinese included."""
