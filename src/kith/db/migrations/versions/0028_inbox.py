"""inbox: mailboxes, folder cursors, conversations, messages, attachments and notes
(kith.inbox)

Also gives the built-in roles of existing workspaces their ``mailbox`` and
``conversation`` grants (new workspaces get them from ``access.roles``).

Revision ID: 0028_inbox
Revises: 0027_platform
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_inbox"
down_revision = "0027_platform"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
WRITE = ("read", "create", "update")
ALL = ("read", "create", "update", "delete")
# Same as kith.access.roles.INBOX_GRANTS, frozen at this revision.
ROLE_GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "admin": {"mailbox": ALL, "conversation": ALL},
    "manager": {"mailbox": WRITE, "conversation": WRITE},
    "sales": {"mailbox": WRITE, "conversation": WRITE},
    "service": {"mailbox": WRITE, "conversation": WRITE},
    "analyst": {"conversation": ("read",)},
    "viewer": {"conversation": ("read",)},
}


def upgrade() -> None:
    op.create_table(
        "inbox_attachments",
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("skipped", sa.String(length=16), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_attachments")),
    )
    with op.batch_alter_table("inbox_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_attachments_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbox_attachments_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "inbox_conversations",
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=False),
        sa.Column("thread_key", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("contact_id", sa.String(length=32), nullable=True),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("assignee_id", sa.String(length=32), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("sla_due_at", UTC, nullable=True),
        sa.Column("last_message_at", UTC, nullable=False),
        sa.Column("last_direction", sa.String(length=8), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_conversations")),
        sa.UniqueConstraint(
            "tenant_id",
            "channel",
            "source_id",
            "thread_key",
            name=op.f("uq_inbox_conversations_tenant_id_channel_source_id_thread_key"),
        ),
    )
    with op.batch_alter_table("inbox_conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_conversations_list", ["tenant_id", "last_message_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_inbox_conversations_status",
            ["tenant_id", "status", "last_message_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_inbox_conversations_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "inbox_folder_cursors",
        sa.Column("mailbox_id", sa.String(length=32), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("highest_modseq", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_folder_cursors")),
        sa.UniqueConstraint(
            "mailbox_id", "folder", name=op.f("uq_inbox_folder_cursors_mailbox_id_folder")
        ),
    )
    with op.batch_alter_table("inbox_folder_cursors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_folder_cursors_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "inbox_mailboxes",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("imap_host", sa.String(length=253), nullable=False),
        sa.Column("imap_port", sa.Integer(), nullable=False),
        sa.Column("imap_security", sa.String(length=8), nullable=False),
        sa.Column("imap_user", sa.String(length=254), nullable=False),
        sa.Column("imap_password", sa.String(length=255), nullable=False),
        sa.Column("smtp_host", sa.String(length=253), nullable=True),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column("smtp_security", sa.String(length=8), nullable=False),
        sa.Column("smtp_user", sa.String(length=254), nullable=True),
        sa.Column("smtp_password", sa.String(length=255), nullable=True),
        sa.Column("folders", sa.JSON(), nullable=False),
        sa.Column("only_matched", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_sync_at", UTC, nullable=True),
        sa.Column("next_sync_at", UTC, nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_mailboxes")),
    )
    with op.batch_alter_table("inbox_mailboxes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_mailboxes_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "inbox_messages",
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("message_key", sa.String(length=64), nullable=False),
        sa.Column("rfc_message_id", sa.String(length=998), nullable=True),
        sa.Column("in_reply_to", sa.String(length=998), nullable=True),
        sa.Column("refs", sa.JSON(), nullable=False),
        sa.Column("from_addr", sa.String(length=254), nullable=True),
        sa.Column("from_name", sa.String(length=200), nullable=True),
        sa.Column("to_addrs", sa.JSON(), nullable=False),
        sa.Column("cc_addrs", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", UTC, nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=True),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("interaction_id", sa.String(length=32), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("delivery_status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("decision_id", sa.String(length=32), nullable=True),
        sa.Column("deleted_on_server_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_messages")),
        sa.UniqueConstraint(
            "source_id", "message_key", name=op.f("uq_inbox_messages_source_id_message_key")
        ),
    )
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_messages_conversation", ["conversation_id", "sent_at"], unique=False
        )
        batch_op.create_index(
            "ix_inbox_messages_delivery",
            ["tenant_id", "delivery_status", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_inbox_messages_folder_uid", ["source_id", "folder", "uid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbox_messages_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "inbox_notes",
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_notes")),
    )
    with op.batch_alter_table("inbox_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_notes_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inbox_notes_tenant_id"), ["tenant_id"], unique=False)

    _grant_existing_roles()


def _grant_existing_roles() -> None:
    conn = op.get_bind()
    roles = conn.execute(
        sa.text("SELECT id, tenant_id, name FROM roles WHERE builtin = :yes"), {"yes": True}
    ).all()
    for role_id, tenant_id, name in roles:
        for object_type, actions in ROLE_GRANTS.get(name, {}).items():
            for action in actions:
                exists = conn.execute(
                    sa.text(
                        "SELECT 1 FROM role_permissions WHERE role_id = :r "
                        "AND object_type = :o AND action = :a"
                    ),
                    {"r": role_id, "o": object_type, "a": action},
                ).first()
                if exists is None:
                    conn.execute(
                        sa.text(
                            "INSERT INTO role_permissions (role_id, object_type, action, scope, "
                            "tenant_id) VALUES (:r, :o, :a, 'all', :t)"
                        ),
                        {"r": role_id, "o": object_type, "a": action, "t": tenant_id},
                    )


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM role_permissions WHERE object_type IN ('mailbox', 'conversation')")
    )
    with op.batch_alter_table("inbox_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_notes_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_inbox_notes_conversation_id"))

    op.drop_table("inbox_notes")
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_messages_tenant_id"))
        batch_op.drop_index("ix_inbox_messages_folder_uid")
        batch_op.drop_index("ix_inbox_messages_delivery")
        batch_op.drop_index("ix_inbox_messages_conversation")

    op.drop_table("inbox_messages")
    with op.batch_alter_table("inbox_mailboxes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_mailboxes_tenant_id"))

    op.drop_table("inbox_mailboxes")
    with op.batch_alter_table("inbox_folder_cursors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_folder_cursors_tenant_id"))

    op.drop_table("inbox_folder_cursors")
    with op.batch_alter_table("inbox_conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_conversations_tenant_id"))
        batch_op.drop_index("ix_inbox_conversations_status")
        batch_op.drop_index("ix_inbox_conversations_list")

    op.drop_table("inbox_conversations")
    with op.batch_alter_table("inbox_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_attachments_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_inbox_attachments_message_id"))

    op.drop_table("inbox_attachments")
