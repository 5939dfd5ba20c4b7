"""Every standard field carries exactly one privacy class, and the classes agree with
how the field is stored: an encrypted column is always sensitive."""

from __future__ import annotations

from kith.crm.specs import CLASSIFICATIONS, SPECS
from kith.db.crypto import encrypted_columns
from kith.metadata import metadata

NON_RECORD_SECRETS = {
    ("users", "totp_secret"),
    ("webhook_subscriptions", "secret"),
    ("inbox_mailboxes", "imap_password"),
    ("inbox_mailboxes", "smtp_password"),
}


def test_every_field_of_every_object_has_one_of_the_four_classes() -> None:
    for spec in SPECS.values():
        classes = spec.classifications
        assert set(classes) == set(spec.columns), spec.name
        assert set(classes.values()) <= set(CLASSIFICATIONS), spec.name


def test_declared_classes_name_real_fields_and_do_not_overlap() -> None:
    for spec in SPECS.values():
        declared = (spec.sensitive_fields, spec.confidential_fields, spec.public_fields)
        for fields in declared:
            assert fields <= set(spec.columns), (spec.name, fields - set(spec.columns))
        assert not spec.public_fields & (spec.sensitive_fields | spec.confidential_fields)


def test_encrypted_columns_are_sensitive() -> None:
    tables = {spec.model.__table__.name: spec for spec in SPECS.values()}  # type: ignore[attr-defined]
    encrypted = encrypted_columns(metadata.tables.values())
    assert encrypted, "no encrypted column found"
    for table, column, _ in encrypted:
        if table.name not in tables:
            # not a CRM record: only credentials, which never leave the server
            assert (table.name, column) in NON_RECORD_SECRETS, (table.name, column)
            continue
        assert tables[table.name].classification(column) == "sensitive", (table.name, column)


def test_a_persons_contact_details_are_confidential_and_a_companys_name_public() -> None:
    contact, account = SPECS["contact"], SPECS["account"]
    assert contact.classification("id_number") == "sensitive"
    assert {contact.classification(f) for f in ("name", "email", "mobile", "wechat_id")} == {
        "confidential"
    }
    assert SPECS["interaction"].classification("text") == "confidential"
    assert account.classification("name") == "public"
    assert SPECS["deal"].classification("amount") == "internal"
