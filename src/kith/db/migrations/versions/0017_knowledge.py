"""knowledge: spaces, versioned documents and their chunks (scenario S9)

Also gives the built-in roles of existing workspaces their ``knowledge`` grants
(new workspaces get them from ``kith.access.roles``).

Revision ID: 0017_knowledge
Revises: 0016_auth_security
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_knowledge"
down_revision = "0016_auth_security"
branch_labels = None
depends_on = None

WRITE = ("read", "create", "update")
ROLE_GRANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "admin": tuple((a, "all") for a in ("read", "create", "update", "delete")),
    "manager": tuple((a, "all") for a in WRITE),
    **dict.fromkeys(("sales", "service", "marketing", "analyst", "viewer"), (("read", "all"),)),
}


def _ids(table: str) -> list[sa.Column[str]]:
    return [
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "knowledge_spaces",
        *_ids("knowledge_spaces"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_spaces")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_knowledge_spaces_tenant_id_name")),
    )
    op.create_index(op.f("ix_knowledge_spaces_tenant_id"), "knowledge_spaces", ["tenant_id"])
    op.create_table(
        "knowledge_documents",
        *_ids("knowledge_documents"),
        sa.Column("space_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["knowledge_spaces.id"],
            name=op.f("fk_knowledge_documents_space_id_knowledge_spaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_documents")),
        sa.UniqueConstraint(
            "space_id", "title", name=op.f("uq_knowledge_documents_space_id_title")
        ),
    )
    op.create_index(op.f("ix_knowledge_documents_tenant_id"), "knowledge_documents", ["tenant_id"])
    op.create_index(op.f("ix_knowledge_documents_space_id"), "knowledge_documents", ["space_id"])
    op.create_table(
        "knowledge_versions",
        *_ids("knowledge_versions"),
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("space_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("media_type", sa.String(length=16), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["knowledge_documents.id"],
            name=op.f("fk_knowledge_versions_document_id_knowledge_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_versions")),
        sa.UniqueConstraint(
            "document_id", "number", name=op.f("uq_knowledge_versions_document_id_number")
        ),
    )
    op.create_index(op.f("ix_knowledge_versions_tenant_id"), "knowledge_versions", ["tenant_id"])
    op.create_index(
        op.f("ix_knowledge_versions_document_id"), "knowledge_versions", ["document_id"]
    )
    op.create_index(
        "ix_knowledge_versions_tenant_status", "knowledge_versions", ["tenant_id", "status"]
    )
    op.create_table(
        "knowledge_chunks",
        *_ids("knowledge_chunks"),
        sa.Column("version_id", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("space_id", sa.String(length=32), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("heading_path", sa.String(length=1000), nullable=False),
        sa.Column("clause", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("suspicious", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["knowledge_versions.id"],
            name=op.f("fk_knowledge_chunks_version_id_knowledge_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_chunks")),
    )
    op.create_index(op.f("ix_knowledge_chunks_tenant_id"), "knowledge_chunks", ["tenant_id"])
    op.create_index(op.f("ix_knowledge_chunks_space_id"), "knowledge_chunks", ["space_id"])
    op.create_index(
        "ix_knowledge_chunks_version_ordinal", "knowledge_chunks", ["version_id", "ordinal"]
    )
    grant_existing_roles(op.get_bind())


def grant_existing_roles(conn: sa.Connection) -> int:
    """Give the built-in roles of workspaces created before this revision their
    ``knowledge`` grants (an existing row is left alone); returns how many it added."""
    added = 0
    roles = conn.execute(
        sa.text("SELECT id, tenant_id, name FROM roles WHERE builtin = :yes"), {"yes": True}
    ).all()
    for role_id, tenant_id, name in roles:
        for action, scope in ROLE_GRANTS.get(name, ()):
            exists = conn.execute(
                sa.text(
                    "SELECT 1 FROM role_permissions WHERE role_id = :r "
                    "AND object_type = 'knowledge' AND action = :a"
                ),
                {"r": role_id, "a": action},
            ).first()
            if exists is None:
                conn.execute(
                    sa.text(
                        "INSERT INTO role_permissions (role_id, object_type, action, scope, "
                        "tenant_id) VALUES (:r, 'knowledge', :a, :s, :t)"
                    ),
                    {"r": role_id, "a": action, "s": scope, "t": tenant_id},
                )
                added += 1
    return added


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM role_permissions WHERE object_type = 'knowledge'"))
    op.drop_table("knowledge_chunks")
    op.drop_table("knowledge_versions")
    op.drop_table("knowledge_documents")
    op.drop_table("knowledge_spaces")
