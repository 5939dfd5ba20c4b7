"""API shapes of the identity graph."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class QualityOut(BaseModel):
    identities: int
    persons: int
    unattached_identities: int
    resolution_rate: float | None
    cluster_sizes: dict[str, int]
    suspicious_clusters: list[dict[str, Any]]
    review_backlog: int
    links: dict[str, int]
    estimated_precision: float | None


class ProposalOut(BaseModel):
    id: str
    probability: float
    match_weight: float
    explanation: dict[str, Any]
    state: str
    left: dict[str, Any]
    right: dict[str, Any]
    created_at: datetime
    merged: dict[str, str] | None = None


class ProposalsOut(BaseModel):
    items: list[ProposalOut]
