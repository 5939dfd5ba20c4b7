"""Audit log of sensitive reads and administrative actions."""
