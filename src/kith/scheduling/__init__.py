"""Time-based work: jobs that run on a schedule (model retraining, segment refresh)."""
