"""Preference links over HTTP: a link forged for another contact with the key older
versions compiled in is refused; a correctly signed, malformed token is a 400
problem, not a 500; ``kith init`` writes the per-install secret privately."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from kith.container import Container
from kith.privacy import links
from tests.conftest import Workspace, sign_in
from tests.e2e.test_cli import kith

OLD_CONSTANT_KEY = b"kith-development-preference-links"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(key: bytes, payload: bytes) -> str:
    return f"{_b64(payload)}.{_b64(hmac.new(key, payload, hashlib.sha256).digest())}"


def test_forged_and_malformed_preference_links_are_refused(
    app_client: TestClient, workspace: Workspace, container: Container
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    mine = admin.post("/contacts", {"name": "林晓雯"})["id"]
    other = admin.post("/contacts", {"name": "王强"})["id"]
    url = admin.post(f"/contacts/{mine}/consents/link", None)["url"]
    token = parse_qs(urlsplit(url).query)["token"][0]
    anonymous = TestClient(app_client.app)
    assert anonymous.get("/privacy/preferences", params={"token": token}).status_code == 200

    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    forged_payload = json.dumps({**claims, "c": other}, separators=(",", ":")).encode()
    forged = _signed(OLD_CONSTANT_KEY, forged_payload)
    refused = anonymous.get("/privacy/preferences", params={"token": forged})
    assert refused.status_code == 403 and "王强" not in refused.text
    saved = anonymous.post("/privacy/preferences", data={"token": forged, "c": []})
    assert saved.status_code == 403

    malformed = _signed(links._key(container.settings), b'{"t":"x","c":"y"}')
    problem = anonymous.get("/privacy/preferences", params={"token": malformed})
    assert problem.status_code == 400
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert problem.json()["detail"] == "this link is malformed"
    page = anonymous.get(
        "/privacy/preferences", params={"token": malformed}, headers={"accept": "text/html"}
    )
    assert page.status_code == 400 and "链接无效" in page.text
    posted = anonymous.post("/privacy/preferences", data={"token": malformed})
    assert posted.status_code == 400


def test_init_writes_a_private_per_install_secret(tmp_path: Path) -> None:
    result = kith(tmp_path, "init", "--json", mode="demo")
    assert result.returncode == 0, result.stderr
    secret_file = tmp_path / "secret.key"
    assert json.loads(result.stdout)["secret_key_file"] == str(secret_file)
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    first = secret_file.read_text()
    assert kith(tmp_path, "init", mode="demo").returncode == 0
    assert secret_file.read_text() == first
    keyed = kith(tmp_path / "keyed", "init", "--json", mode="demo", KITH_SECRET_KEY="k" * 40)
    assert json.loads(keyed.stdout)["secret_key_file"] is None
