"""The MQTT writer keeps a batch it could not store and tries again: an unacknowledged
message comes back from the broker only when the session reconnects."""

from __future__ import annotations

from typing import Any

import pytest

from kith.platform.mqtt import MqttIntake, MqttOptions


def test_a_failed_batch_is_stored_on_a_later_try(monkeypatch: pytest.MonkeyPatch) -> None:
    intake = MqttIntake(container=None, credential="kak_x", options=MqttOptions())  # type: ignore[arg-type]
    attempts: list[int] = []

    def flaky(batch: list[Any]) -> list[bytes]:
        attempts.append(len(batch))
        if len(attempts) < 3:
            raise RuntimeError("database is locked")
        return [b"dead"]

    monkeypatch.setattr(intake, "_store", flaky)
    monkeypatch.setattr(intake._stop, "wait", lambda seconds: False)  # no real sleeping
    assert intake._store_until_done(["m1", "m2"]) == [b"dead"]
    assert attempts == [2, 2, 2]


def test_stopping_gives_up_without_acknowledging(monkeypatch: pytest.MonkeyPatch) -> None:
    intake = MqttIntake(container=None, credential="kak_x", options=MqttOptions())  # type: ignore[arg-type]

    def broken(batch: list[Any]) -> list[bytes]:
        intake._stop.set()
        raise RuntimeError("down")

    monkeypatch.setattr(intake, "_store", broken)
    assert intake._store_until_done(["m1"]) is None
