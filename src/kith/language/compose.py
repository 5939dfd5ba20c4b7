"""What a message says: the content the sender wants passed on, addressed to the recipient —
never the instruction that asked for it.

"给谢晓峰发个微信，告诉他试驾车周四到" → "谢晓峰您好，试驾车周四到。"
"Text Chloe Taylor and let her know her car is ready" → "Hi Chloe, your car is ready."

Quoted text is sent as written. The content is kept in the words the sender used (no
translation offline); the greeting follows the recipient's language when the CRM knows it.
"""

from __future__ import annotations

import re

from kith.language.lexicon import QUOTED

# What comes after these is the content ("告诉他试驾车周四到", "跟她说合同已寄出").
_CONTENT_ZH = re.compile(
    r"(?:告诉|通知|转告|提醒|回复|答复|跟|和|对|向)(?P<who>他们|她们|他|她|对方|客户|[\u4e00-\u9fff]{2,4}?)?"
    r"(?:说|讲)?(?:一下|一声)?(?:[，,：:]\s*|说|讲)?(?P<content>[^，,。；;]*[^，,。；;\s].*)$"
)
_SAY_ZH = re.compile(r"(?:说|讲|内容是|内容为)[，,：:\s]*(?P<content>.+)$")
_CONTENT_EN = re.compile(
    r"\b(?:tell(?:ing)?|inform(?:ing)?|remind(?:ing)?|let(?:ting)?)\s+"
    r"(?P<who>him|her|them|[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)?)\s+(?:know\s+)?"
    r"(?:that\s+|about\s+)?(?P<content>.+)$"
    r"|\b(?:saying|say|says|to\s+say)\s+(?:that\s+)?(?P<said>.+)$"
    r"|\bthat\s+(?P<that>.+)$",
    re.IGNORECASE,
)
_THIRD_TO_SECOND_ZH = (("他们的", "您的"), ("她们的", "您的"), ("他的", "您的"), ("她的", "您的"))
_THIRD_TO_SECOND_EN = (
    (r"\bhe's\b|\bshe's\b", "you're"),
    (r"\bhe is\b|\bshe is\b", "you are"),
    (r"\bhe was\b|\bshe was\b", "you were"),
    (r"\bhe has\b|\bshe has\b", "you have"),
    (r"\bhis\b|\bher\b(?=\s+[a-z])", "your"),
    (r"\bhe\b|\bshe\b", "you"),
    (r"\bhim\b|\bher\b", "you"),
)


def message_content(clause: str, lang: str, recipient: str | None = None) -> str | None:
    """The content of a "tell X that …" instruction, in second person, or None."""
    quoted = QUOTED.search(clause)
    if quoted:
        return quoted.group("q").strip()
    if lang == "zh":
        return _content_zh(clause, recipient)
    return _content_en(clause)


def compose_message(content: str, lang: str, recipient: str | None, quoted: bool) -> str:
    """A short, polite message; quoted content is the sender's exact words."""
    if quoted:
        return content
    if lang == "zh":
        body = content.rstrip("。.！!") + "。"
        return f"{recipient}您好，{body}" if recipient else f"您好，{body}"
    body = content.rstrip(". ") + ("" if content.endswith(("!", "?")) else ".")
    if recipient and re.match(r"(?:Mr|Mrs|Ms|Dr)\.?\s", recipient):
        return f"Dear {recipient}, {body}"
    if recipient and re.match(r"[A-Za-z]", recipient):
        return f"Hi {recipient}, {body}"  # the whole name: its order is not always given-first
    return f"Hello, {body}"


def _content_zh(clause: str, recipient: str | None) -> str | None:
    m = _CONTENT_ZH.search(clause)
    content = m.group("content") if m else None
    if m is None or _too_short(content):
        said = _SAY_ZH.search(clause)
        content = said.group("content") if said else None
    if content is None or _too_short(content):
        return None
    if recipient and content.startswith(recipient):
        content = content[len(recipient) :].lstrip("，,：: ")
    for old, new in _THIRD_TO_SECOND_ZH:
        content = content.replace(old, new)
    content = re.sub(r"^(?:他们|她们|他|她)(?=[^\s们])", "您", content)
    content = re.sub(r"^(?:一下|一声)[，,]?", "", content)
    return content.strip(" ，,。") or None


def _content_en(clause: str) -> str | None:
    m = _CONTENT_EN.search(clause)
    if m is None:
        return None
    content = (m.group("content") or m.group("said") or m.group("that") or "").strip(" ,.")
    if _too_short(content):
        return None
    for pattern, replacement in _THIRD_TO_SECOND_EN:
        content = re.sub(pattern, replacement, content, flags=re.IGNORECASE)
    return content


def _too_short(content: str | None) -> bool:
    return content is None or len(content.strip(" ，,。.")) < 2
