"""The built-in models (datasets from the CRM, scores and their factors) and sentiment."""
