"""Kith: an open-source, agent-native CRM."""

__version__ = "0.1.0"
