"""Forecasts: the time-series model, the pipeline-weighted estimate, groups and the CLI."""
