"""Saved segments: schemas, the definition compiler, queries, the service, CLI and job."""
