"""The customer-facing preference page (zh-CN / en): a grid of purposes × channels
the person switches on or off. Plain HTML, no script, no login (signed link)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from html import escape

PAGE_PURPOSES = (
    "marketing",
    "sales_outreach",
    "profiling",
    "data_sharing",
    "model_training",
    "service",
)
PAGE_CHANNELS = ("email", "sms", "phone", "app_push", "wechat", "post")

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "我的隐私与授权",
        "intro": "您可以在这里查看并修改我们联系您、使用您数据的方式。更改立即生效。",
        "hello": "您好，{name}",
        "save": "保存",
        "saved": "已保存，更改已立即生效。",
        "expires": "此链接有效期至 {at}",
        "purpose": "用途",
        "service_note": "与您的合同或订单直接相关的必要服务通知，法律允许在未经同意时发送。",
        "other": "English",
        "marketing": "营销信息（优惠、活动）",
        "sales_outreach": "销售联系",
        "profiling": "画像与自动化决策",
        "data_sharing": "与合作伙伴共享数据",
        "model_training": "用于模型训练",
        "service": "服务通知",
        "email": "邮件",
        "sms": "短信",
        "phone": "电话",
        "app_push": "App 推送",
        "wechat": "微信",
        "post": "邮寄",
    },
    "en": {
        "title": "My privacy and consents",
        "intro": "See and change how we contact you and use your data. Changes apply at once.",
        "hello": "Hello, {name}",
        "save": "Save",
        "saved": "Saved; your changes apply at once.",
        "expires": "This link is valid until {at}",
        "purpose": "Purpose",
        "service_note": "Service messages necessary for your contract or order may be sent "
        "without consent, as the law allows.",
        "other": "中文",
        "marketing": "Marketing (offers, events)",
        "sales_outreach": "Sales contact",
        "profiling": "Profiling and automated decisions",
        "data_sharing": "Sharing data with partners",
        "model_training": "Training models",
        "service": "Service messages",
        "email": "Email",
        "sms": "SMS",
        "phone": "Phone",
        "app_push": "App push",
        "wechat": "WeChat",
        "post": "Post",
    },
}


def statement(lang: str) -> str:
    """What the person is shown and agrees to: hashed as the evidence of each change."""
    t = TEXT[lang]
    rows = "; ".join(t[p] for p in PAGE_PURPOSES)
    channels = ", ".join(t[c] for c in PAGE_CHANNELS)
    return f"{t['title']} — {t['intro']} [{rows}] × [{channels}] — {t['service_note']}"


def render(
    *,
    lang: str,
    token: str,
    name: str,
    granted: Mapping[tuple[str, str], bool],
    expires_at: datetime,
    saved: bool = False,
) -> str:
    t = TEXT[lang]
    other = "en" if lang == "zh" else "zh"
    head = "".join(f"<th>{escape(t[c])}</th>" for c in PAGE_CHANNELS)
    rows = []
    for purpose in PAGE_PURPOSES:
        cells = "".join(
            f'<td><input type="checkbox" name="c" value="{purpose}:{channel}" '
            f'aria-label="{escape(t[purpose])} {escape(t[channel])}"'
            f"{' checked' if granted.get((purpose, channel)) else ''}></td>"
            for channel in PAGE_CHANNELS
        )
        rows.append(f"<tr><th scope='row'>{escape(t[purpose])}</th>{cells}</tr>")
    notice = f"<p class='saved' role='status'>{escape(t['saved'])}</p>" if saved else ""
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t["title"])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.5rem;
text-align:center}}th[scope=row]{{text-align:left}}.saved{{color:#05620b}}small{{color:#555}}</style>
</head><body>
<p><a href="?token={escape(token)}&amp;lang={other}">{escape(t["other"])}</a></p>
<h1>{escape(t["title"])}</h1>
<p>{escape(t["hello"].format(name=name))}</p>
<p>{escape(t["intro"])}</p>{notice}
<form method="post" action="/privacy/preferences">
<input type="hidden" name="token" value="{escape(token)}">
<input type="hidden" name="lang" value="{lang}">
<table><thead><tr><th>{escape(t["purpose"])}</th>{head}</tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<p><small>{escape(t["service_note"])}</small></p>
<p><button type="submit">{escape(t["save"])}</button></p>
</form>
<p><small>{escape(t["expires"].format(at=expires_at.strftime("%Y-%m-%d %H:%M UTC")))}</small></p>
</body></html>"""
