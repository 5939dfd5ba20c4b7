"""An ``EncryptedString`` column stores ciphertext, reads plaintext, and ``rotate``
moves every value (and leftover plaintext) to the primary key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text

from kith.container import Container
from kith.db.crypto import EncryptedString, KeyRing, rotate, use_keyring

K1 = bytes(range(32))
K2 = bytes(range(32, 64))


@pytest.fixture
def people(container: Container) -> Iterator[Table]:
    table = Table(
        "privacy_crypto_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("id_number", EncryptedString(255, "probe.id_number")),
    )
    table.create(container.engine)
    use_keyring(KeyRing("k1", {"k1": K1}))
    yield table
    use_keyring(None)
    table.drop(container.engine)


def test_ciphertext_at_rest_plaintext_in_the_application(
    container: Container, people: Table
) -> None:
    with container.engine.begin() as conn:
        conn.execute(insert(people), [{"id": 1, "id_number": "310115199003071239"}])
    with container.engine.connect() as conn:
        stored = conn.execute(select(people.c.id_number.cast(String()))).scalar_one()
        read = conn.execute(select(people.c.id_number)).scalar_one()
    assert stored.startswith("enc:v1:k1:") and "310115" not in stored
    assert read == "310115199003071239"


def test_rotation_re_encrypts_with_the_new_primary_key(container: Container, people: Table) -> None:
    with container.engine.begin() as conn:
        conn.execute(insert(people), [{"id": 1, "id_number": "310115199003071239"}])
        # a value a bulk load wrote before encryption was switched on
        conn.execute(insert(people), [{"id": 2, "id_number": None}])
    with container.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE privacy_crypto_probe SET id_number = '110105194912310021' WHERE id = 2"
        )
    ring = KeyRing("k2", {"k2": K2, "k1": K1})
    use_keyring(ring)
    with container.uow() as uow:
        report = rotate(uow.session, people, "id_number", "probe.id_number", ring)
        uow.commit()
    assert (report.encrypted, report.re_encrypted, report.current) == (1, 1, 0)
    with container.engine.connect() as conn:
        stored = conn.execute(select(people.c.id_number.cast(String())).order_by(people.c.id))
        assert all(v.startswith("enc:v1:k2:") for v in stored.scalars())
    use_keyring(KeyRing("k2", {"k2": K2}))  # the old key can now be retired
    with container.engine.connect() as conn:
        values = conn.execute(select(people.c.id_number).order_by(people.c.id)).scalars().all()
    assert values == ["310115199003071239", "110105194912310021"]


def test_a_contacts_id_number_and_bank_account_are_ciphertext_in_the_database(
    as_role: Any, container: Container
) -> None:
    admin = as_role("admin")
    created = admin.post(
        "/contacts",
        {"name": "王芳", "id_number": "310115199003071239", "bank_account": "6222021234567890128"},
    )
    with container.engine.connect() as conn:
        row = conn.execute(
            text("SELECT id_number, bank_account FROM contacts WHERE id = :id"),
            {"id": created["id"]},
        ).one()
    assert all(value.startswith("enc:v1:") for value in row)
    assert "310115" not in row[0] and "622202" not in row[1]
    read = admin.get(f"/contacts/{created['id']}")
    assert (read["id_number"], read["bank_account"]) == (
        "310115199003071239",
        "6222021234567890128",
    )
    # ordering or filtering by ciphertext would mean nothing: both are refused
    admin.get("/contacts", expected=422, params={"sort": "id_number"})
    admin.get("/contacts", expected=422, params={"filter": "id_number:eq:310115199003071239"})
