"""The labelled PII set: zh and en texts with the identifiers they contain, scored per
label by ``kith bench privacy`` (strict detection and the masking mode).

Real-format positives (mainland and international phone numbers, IDs, cards, e-mail,
passports, names and addresses the CRM knows), look-alike texts that must stay
untouched (dates and times, order, invoice, contract and tracking numbers, amounts,
versions), and known hard cases (counted by the bench, not asserted by the tests).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, NamedTuple

from kith.crm.masking import detect, mask_text


class Case(NamedTuple):
    text: str
    expected: tuple[tuple[str, str], ...]  # (label, exact matched text)
    hard: bool = False
    known: tuple[str, ...] = ()  # names / addresses from the CRM (label KNOWN)
    regions: tuple[str, ...] = ()  # the contact's region(s)


CASES: tuple[Case, ...] = (
    # --- positives, Chinese context ---------------------------------------------------
    Case("张总手机13812345678，明天联系", (("PHONE", "13812345678"),)),
    Case("客户电话：+86 139-1234-5678。", (("PHONE", "+86 139-1234-5678"),)),
    Case("回拨 138 1234 5678 即可", (("PHONE", "138 1234 5678"),)),
    Case("座机010-88886666转分机", (("PHONE", "010-88886666"),)),
    Case("深圳办公室 0755-8888 1234", (("PHONE", "0755-8888 1234"),)),
    Case("上海总部(021)6234 5678", (("PHONE", "(021)6234 5678"),)),
    Case("香港同事 +852 9123 4567", (("PHONE", "+852 9123 4567"),)),
    Case("邮箱lin.xiaowen@mail.example.com请查收", (("EMAIL", "lin.xiaowen@mail.example.com"),)),
    Case("身份证号11010519491231002X已核验", (("ID_CN", "11010519491231002X"),)),
    Case("证件号码：310115199003071239", (("ID_CN", "310115199003071239"),)),
    Case("身份证510107200011156729，户籍成都", (("ID_CN", "510107200011156729"),)),
    Case("id 33010619780228401x lower case", (("ID_CN", "33010619780228401x"),)),
    Case("卡号6222021234567890128，开户行工行", (("BANK_CARD", "6222021234567890128"),)),
    Case("退款到 6217 0012 3456 7893", (("BANK_CARD", "6217 0012 3456 7893"),)),
    Case("信用卡4367-4200-1234-5673到期", (("BANK_CARD", "4367-4200-1234-5673"),)),
    Case("护照号码：E12345678，签发地上海", (("PASSPORT", "E12345678"),)),
    Case("新版护照EA1234567有效", (("PASSPORT", "EA1234567"),)),
    Case(
        "林晓雯，手机19912345678，邮箱 lxw@corp.cn，身份证44030419851023561X",
        (
            ("PHONE", "19912345678"),
            ("EMAIL", "lxw@corp.cn"),
            ("ID_CN", "44030419851023561X"),
        ),
    ),
    Case("于 2026-12-04 10:20 回电 13812345678", (("PHONE", "13812345678"),)),
    Case("订单号 SO-2026-0001 的收货人手机 13912345678", (("PHONE", "13912345678"),)),
    # --- positives, English and international -----------------------------------------
    Case("Call me at +1 415-555-2671 tomorrow", (("PHONE", "+1 415-555-2671"),)),
    Case("London office: +44 20 7946 0958.", (("PHONE", "+44 20 7946 0958"),)),
    Case("Call (956) 316-8859 after 5pm", (("PHONE", "(956) 316-8859"),)),
    Case("cell: (706) 278-1757, ask for Dana", (("PHONE", "(706) 278-1757"),)),
    Case("Front desk (212) 736-5000", (("PHONE", "(212) 736-5000"),)),
    Case("UK mobile 07700 900123 after lunch", (("PHONE", "07700 900123"),)),
    Case("Our London line is 020 7946 0958", (("PHONE", "020 7946 0958"),)),
    Case("Berlin Büro: 030 901820", (("PHONE", "030 901820"),), regions=("DE",)),
    Case("Paris : 01 42 68 53 00", (("PHONE", "01 42 68 53 00"),), regions=("FR",)),
    Case("Singapore +65 6123 4567", (("PHONE", "+65 6123 4567"),)),
    Case("Tokyo +81 3-1234-5678", (("PHONE", "+81 3-1234-5678"),)),
    Case("Sydney office +61 2 9374 4000", (("PHONE", "+61 2 9374 4000"),)),
    Case(
        "Email john.smith+crm@example.co.uk for details",
        (("EMAIL", "john.smith+crm@example.co.uk"),),
    ),
    Case("Card 4111 1111 1111 1111 was declined", (("BANK_CARD", "4111 1111 1111 1111"),)),
    Case("Mastercard 5500000000000004 on file", (("BANK_CARD", "5500000000000004"),)),
    Case("Passport No. 533380006, issued 2019", (("PASSPORT", "533380006"),)),
    Case("passport: K1234567 (UK)", (("PASSPORT", "K1234567"),)),
    Case(
        "Meeting on 2026-12-04 10:20, call +1 415-555-2671",
        (("PHONE", "+1 415-555-2671"),),
    ),
    # --- names and addresses the CRM knows (the dictionary is the caller's) -------------
    Case("林晓雯下周到店试驾", (("KNOWN", "林晓雯"),), known=("林晓雯",)),
    Case(
        "寄到上海市浦东新区张江路88号，收件人陈晓峰",
        (("KNOWN", "上海市浦东新区张江路88号"), ("KNOWN", "陈晓峰")),
        known=("陈晓峰", "上海市浦东新区张江路88号"),
    ),
    Case(
        "Ship to 12 Harbour Road, Level 5 for Sarah Lee",
        (("KNOWN", "12 Harbour Road, Level 5"), ("KNOWN", "Sarah Lee")),
        known=("Sarah Lee", "12 Harbour Road, Level 5"),
    ),
    Case(
        "Wei Chen (wei.chen@example.com) signs the PO",
        (("KNOWN", "Wei Chen"), ("EMAIL", "wei.chen@example.com")),
        known=("Wei Chen",),
    ),
    # --- look-alikes that are not personal identifiers ----------------------------------
    Case("订单号SO-2026-0001，金额13800元", ()),
    Case("记录 0190ab1234567890123456cdef012345 已更新", ()),
    Case("车架号LSVAU2180N2183294进店保养", ()),
    Case("时间戳1763718000，日期2026-11-21", ()),
    Case("发票号码12345678，税额 1,380,000.00", ()),
    Case("App 版本 5.2.1，IP 192.168.1.10", ()),
    Case("ISBN 9787111213826 的图书", ()),
    Case("身份证号110101199003071234（校验位错误）", ()),
    Case("流水号2026112112345678", ()),
    Case("客服热线95588，工号 20261121", ()),
    Case("tracking SF1234567890123 shipped", ()),
    Case("Order 14012345678 ships Monday", ()),
    Case("The meeting is in room 1203, floor 12", ()),
    Case("price $1,299.00 for 3 units", ()),
    # dates and times (issue 21: "2026-12-04 10:20" was stored as "****0410:20")
    Case("回访时间：2026-12-04 10:20，地点上海", ()),
    Case("交付日期 2026/12/04", ()),
    Case("可约时段 10:20-11:00", ()),
    Case("批次 20261204 已入库", ()),
    Case("预计 20261204 1020 到达仓库", ()),
    Case("Sync finished 2026-12-04T10:20:00Z", ()),
    Case("报表于 2026.12.04 生成", ()),
    Case("Slots: 09:30–10:15 or 14:00-15:30", ()),
    # business references (issue 22)
    Case("INV-5431567064 has been paid", ()),
    Case("订单号 110101199003071234 已发货", ()),
    Case("订单号：622202123456789012 已签收", ()),
    Case("合同编号 6222021234567890，请归档", ()),
    Case("发票号 12345678901 已开具", ()),
    Case("运单号 773012345678901 已揽收", ()),
    Case("Invoice 4111111111111111 is overdue", ()),
    Case("order no. 13912345678 confirmed", ()),
    Case("PO-2026120410 approved by finance", ()),
    Case("SKU 6901234567892 在售", ()),
    Case("会议号 812 3456 7890，密码 1204", ()),
    Case("tracking number 9400111899223197428490", ()),
    # numbers of other kinds
    Case("坐标 31.2304, 121.4737", ()),
    Case("Version 10.20.1104 released", ()),
    Case("库存 1204 件，单价 13800 元", ()),
    Case("温度 36.5 度，电压 220V，电流 10A", ()),
    Case("工单号 T2026120400123 已关闭", ()),
    # --- hard cases: known limits ------------------------------------------------------------
    Case("订单6225887654321013已发货", (), hard=True),  # Luhn-valid, a context word glued on
    Case("手机一三八一二三四五六七八", (("PHONE", "一三八一二三四五六七八"),), hard=True),
    Case("write to lin at mail dot com", (("EMAIL", "lin at mail dot com"),), hard=True),
    Case("400-820-8820 是客服热线", (), hard=True),  # a valid number, but a company's
    Case("王建国下午来电", (("KNOWN", "王建国"),), hard=True),  # a name the CRM does not know
    Case("Call 956.316.8859", (("PHONE", "956.316.8859"),), hard=True),  # dots as separators
)


def _pr(tp: int, fp: int, fn: int) -> dict[str, Any]:
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
    }


def score(strict: bool, cases: tuple[Case, ...] = CASES) -> dict[str, Any]:
    """Precision and recall per label (and overall) of ``detect`` on the labelled set."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for case in cases:
        spans = detect(case.text, strict=strict, known=case.known, regions=case.regions)
        found = {(s.label, s.text) for s in spans}
        expected = set(case.expected)
        for label, _ in found & expected:
            tp[label] += 1
        for label, _ in found - expected:
            fp[label] += 1
        for label, _ in expected - found:
            fn[label] += 1
    labels = sorted(set(tp) | set(fp) | set(fn))
    per_label = {label: _pr(tp[label], fp[label], fn[label]) for label in labels}
    return {"overall": _pr(sum(tp.values()), sum(fp.values()), sum(fn.values())), **per_label}


def detection(cases: tuple[Case, ...] = CASES) -> dict[str, Any]:
    lookalikes = [c for c in cases if not c.expected]
    altered = [
        c.text for c in lookalikes if mask_text(c.text, known=c.known, regions=c.regions) != c.text
    ]
    return {
        "cases": len(cases),
        "positives": sum(len(c.expected) for c in cases),
        "lookalikes": len(lookalikes),
        "hard_cases": sum(1 for c in cases if c.hard),
        "detect_strict": score(True, cases),
        "masking_mode": score(False, cases),
        "lookalikes_altered_by_masking": len(altered),
        "altered": altered,
    }
