"""Reading e-mail for the inbox: Chinese charsets and encoded headers, quoted-printable,
HTML-only mail, attachments over the limit or of a refused type (a 50 MB one included),
an unknown charset, malformed MIME, threading ids; signed inbound webhooks (a forged or
stale one is refused); the sync's back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kith.inbox.channels import SignatureInvalid, sign, verify
from kith.inbox.delivery import retry_after
from kith.inbox.parse import parse_mail
from kith.inbox.sync import backoff

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_gb2312_headers_and_a_gbk_quoted_printable_body_are_read() -> None:
    body = "您好，请提供三十台车的续约报价（含镕铖等生僻字）".encode("gbk")
    qp = "".join(f"={b:02X}" for b in body)
    raw = (
        "From: =?gb2312?B?"
        + __import__("base64").b64encode("李娜".encode("gb2312")).decode()
        + "?= <li.na@customer.cn>\r\n"
        "To: wangqiang@kith-demo.cn\r\n"
        "Subject: =?GB2312?Q?=D0=F8=D4=BC=B1=A8=BC=DB?=\r\n"
        "Message-ID: <gbk@customer.cn>\r\n"
        "Date: Thu, 19 Nov 2026 10:00:00 +0800\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="gb2312"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp + "\r\n"
    ).encode("ascii")
    parsed = parse_mail(raw)
    assert parsed.from_name == "李娜" and parsed.from_addr == "li.na@customer.cn"
    assert parsed.subject == "续约报价"
    assert "镕铖" in parsed.text  # GBK-only characters under a GB2312 label
    assert parsed.date == datetime(2026, 11, 19, 2, 0, tzinfo=UTC)
    assert parsed.problems == []


def test_gb18030_and_html_only_mail_becomes_text() -> None:
    html = (
        "<html><head><style>p{}</style></head><body><p>冬季续航</p><br>请<b>预热</b></body></html>"
    )
    raw = (
        b"From: a@b.cn\r\nTo: c@d.cn\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=gb18030\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + html.encode("gb18030")
    )
    parsed = parse_mail(raw)
    assert "冬季续航" in parsed.text and "预热" in parsed.text and "p{}" not in parsed.text


def test_an_unknown_charset_is_read_as_utf8_and_noted() -> None:
    raw = (
        b"From: a@b.cn\r\nSubject: x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
        + "你好".encode()
    )
    parsed = parse_mail(raw)
    assert parsed.text.strip() == "你好"
    assert any("x-klingon" in p for p in parsed.problems)


def test_wrong_bytes_for_the_charset_are_replaced_not_fatal() -> None:
    raw = b"From: a@b.cn\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nok \xff\xfe end"
    parsed = parse_mail(raw)
    assert parsed.text.startswith("ok") and parsed.text.endswith("end")
    assert any("replaced" in p for p in parsed.problems)


def test_malformed_mime_keeps_what_can_be_read() -> None:
    raw = (
        b"From: broken@b.cn\r\nSubject: half\r\nMessage-ID: <m@b.cn>\r\n"
        b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
        b"--XX\r\nContent-Type: text/plain\r\n\r\nthe part that arrived\r\n"
        # no closing boundary
    )
    parsed = parse_mail(raw)
    assert "the part that arrived" in parsed.text
    assert parsed.message_id == "<m@b.cn>"
    assert any(p.startswith("defect") for p in parsed.problems)
    garbage = parse_mail(b"\x00\x01 not an e-mail at all")
    assert garbage.message_id is None and garbage.message_key  # still a key to dedupe on


def _with_attachment(name: str, ctype: str, size: int) -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "tom@fleetco.com"
    msg["Subject"] = "files"
    msg.set_content("see attached")
    maintype, _, subtype = ctype.partition("/")
    msg.add_attachment(b"x" * size, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def test_a_50_mb_attachment_is_kept_as_metadata_only() -> None:
    parsed = parse_mail(_with_attachment("video.pdf", "application/pdf", 50 * 1024 * 1024))
    [item] = parsed.attachments
    assert (item.skipped, item.content, item.size) == ("too_large", None, 50 * 1024 * 1024)
    assert parsed.text.strip() == "see attached"


def test_an_attachment_type_off_the_allow_list_is_not_stored() -> None:
    parsed = parse_mail(_with_attachment("setup.exe", "application/x-msdownload", 1000))
    [item] = parsed.attachments
    assert (item.skipped, item.content) == ("type", None)
    kept = parse_mail(_with_attachment("quote.pdf", "application/pdf", 1000))
    assert kept.attachments[0].skipped is None and kept.attachments[0].content == b"x" * 1000


def test_threading_ids_come_from_in_reply_to_and_references() -> None:
    raw = (
        b"From: a@b.cn\r\nMessage-ID: <3@b.cn>\r\nIn-Reply-To: <2@b.cn>\r\n"
        b"References: <1@b.cn>\r\n <2@b.cn>\r\nSubject: Re: x\r\n\r\nbody"
    )
    parsed = parse_mail(raw)
    assert parsed.thread_ids == ["<2@b.cn>", "<1@b.cn>"]
    assert parsed.thread_root == "<1@b.cn>"
    same = parse_mail(raw.replace(b"body", b"other body"))
    assert same.message_key == parsed.message_key  # keyed by Message-ID


def test_a_forged_or_stale_inbound_webhook_is_refused() -> None:
    body = b"From: a@b.cn\r\n\r\nhi"
    stamp = int(NOW.timestamp())
    verify("s3cret", sign("s3cret", body, stamp), body, NOW)
    with pytest.raises(SignatureInvalid):
        verify("s3cret", sign("other", body, stamp), body, NOW)
    with pytest.raises(SignatureInvalid):
        verify("s3cret", sign("s3cret", body, stamp), body + b"!", NOW)
    with pytest.raises(SignatureInvalid):
        verify("s3cret", sign("s3cret", body, stamp), body, NOW + timedelta(minutes=6))
    with pytest.raises(SignatureInvalid):
        verify("s3cret", None, body, NOW)


def test_failures_back_off_instead_of_looping() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert backoff(50) == timedelta(hours=6)
    assert retry_after(1) < retry_after(2) < retry_after(4)
