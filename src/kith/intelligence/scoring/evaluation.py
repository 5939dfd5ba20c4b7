"""A small hand-labelled set of customer messages (zh and en) for the sentiment reader.

Used by the unit tests and by bench/bench_intelligence.py; 24 messages (10
negative, 7 neutral, 7 positive), written in the style of the demo's
interactions (service complaints, purchase questions, thanks).
"""

from __future__ import annotations

LABELLED: list[tuple[str, str]] = [
    ("刹车失灵了，太危险了！", "negative"),
    ("续航严重缩水，非常失望", "negative"),
    ("你们的服务太差了，我要投诉", "negative"),
    ("退款到现在还没到账，一直没人处理", "negative"),
    ("再也不买你们的车了", "negative"),
    ("App 一直闪退，无法登录", "negative"),
    ("非常满意，谢谢你们的耐心服务", "positive"),
    ("维修很快，点赞", "positive"),
    ("感谢客服的帮助，问题解决了", "positive"),
    ("车开着不错，好评", "positive"),
    ("请问下周的试驾还有名额吗？", "neutral"),
    ("我想了解一下企业采购的价格", "neutral"),
    ("发票抬头需要修改成公司名称", "neutral"),
    ("明天上午十点可以安排保养", "neutral"),
    ("The brakes failed on the highway, this is unacceptable", "negative"),
    ("Still not refunded, terrible service", "negative"),
    ("I am very disappointed with the battery range", "negative"),
    ("This is the worst support I have ever had", "negative"),
    ("Thanks, the repair was great", "positive"),
    ("Thank you for the quick delivery, very satisfied", "positive"),
    ("Great job, we are satisfied with the pilot", "positive"),
    ("Can I change the delivery address?", "neutral"),
    ("Please send the invoice for order 1042", "neutral"),
    ("What are your opening hours on Saturday?", "neutral"),
]
