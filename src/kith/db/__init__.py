"""Engine, base model, unit of work and migrations."""
