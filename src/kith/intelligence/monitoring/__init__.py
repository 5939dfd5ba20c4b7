"""Watching models after training: drift, live performance, retraining and promotion."""
