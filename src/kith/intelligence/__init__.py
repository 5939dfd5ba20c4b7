"""Predictive intelligence: models trained on the company's own data (or a CSV),
versioned in a registry, explained per prediction and monitored for drift."""
