"""The fixed words of every printed document and each kind's masking rule, in one place with the papers."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_OFFICE_HOURS = "工作日 9:00—12:00，13:30—17:00"


def default_review_body(district: str) -> str:
    """行政复议机关 of a street office's decision when the centre set none: the district government."""
    return f"{district}人民政府" if district else "区人民政府"


def default_court(district: str) -> str:
    """The court with jurisdiction when the centre set none: the district's people's court."""
    return f"{district}人民法院" if district else "区人民法院"


@dataclass(frozen=True)
class MaskingRule:
    """What of the applicant a paper shows. A notice handed to the resident names them in full (it is
    theirs, and they sign it); lists, boards and slips anyone may see mask the name. ID numbers are
    always masked except on the application form the resident signs."""

    full_name: bool
    full_id_number: bool
    why: str


MASKING: dict[str, MaskingRule] = {
    "ticket": MaskingRule(False, False, "号票不印姓名和身份证号"),
    "receipt": MaskingRule(True, False, "交申请人本人：姓名全称，身份证号遮蔽"),
    "supplement": MaskingRule(True, False, "交申请人本人：姓名全称，身份证号遮蔽"),
    "rejection": MaskingRule(True, False, "交申请人本人：姓名全称，身份证号遮蔽"),
    "completion": MaskingRule(True, False, "交申请人本人：姓名全称，身份证号遮蔽"),
    "form": MaskingRule(True, True, "申请人签字的申请表：姓名和身份证号全称"),
    "extension": MaskingRule(True, False, "交申请人本人：姓名全称，身份证号遮蔽"),
    "report": MaskingRule(False, False, "报表和清单：姓名、身份证号均遮蔽"),
}

FILE_TITLES = {
    "ticket": "排队号票",
    "receipt": "受理回执",
    "completion": "办结通知书",
    "supplement": "一次性告知书",
    "rejection": "不予受理通知书",
    "form": "申请表",
    "extension": "延期告知书",
    "report": "报表",
}


def file_name(kind: str, reference: str) -> str:
    """The default file name of a paper: its title and the case number (一次性告知书-990101….pdf)."""
    title = FILE_TITLES.get(kind, kind)
    return f"{title}-{reference}.pdf" if reference else f"{title}.pdf"


# 办结通知书 ------------------------------------------------------------------------------------

APPROVED = "准予办理"
DENIED = "不予批准"
ON_SPOT_DETAIL = "经审核，您的申请符合规定，已当场办结。"
APPROVED_DETAIL = "经审核，准予办理。"
ON_SPOT_COLLECT = ""  # handed over at the window: no 领取地点/领取时间 rows


def collect_time_ready(ready_on: str, office_hours: str) -> str:
    """When a decided result may be collected: from the day it was ready, in office hours."""
    return f"{ready_on}起，{office_hours}"


def collected_on(day: str) -> str:
    return f"{day} 已领取"


# 一次性告知书 ----------------------------------------------------------------------------------

SUPPLEMENT_MISSING = "缺少"
FORM_FIELD_MISSING = "未填写"
FORM_FIELD_REQUIREMENT = "补填申请表"


# 延期告知书 ------------------------------------------------------------------------------------

EXTENSION_REQUESTERS = {"counter": "窗口", "department": "承办部门"}


def extension_body(
    received: str, matter: str, code: str, case_number: str, old_due: str, reason: str
) -> str:
    """The first paragraph: what was applied for, when it was due, why it needs more time."""
    return (
        f"您于{received}申请办理的“{matter}”（事项编码：{code}，办件编号：{case_number}），"
        f"原承诺于{old_due}前办结。因{reason}，不能在原承诺期限内办结。"
    )


def extension_decision(days: int, new_due: str, approved_by: str, requester: str) -> str:
    """The decision: how many working days, the new due date, on whose request, who approved."""
    return (
        f"经{requester}申请，本中心负责人（{approved_by}）批准，办理期限延长{days}个工作日，"
        f"将于{new_due}前办结。办理进度可凭办件编号和验证码查询。特此告知。"
    )


def extension_line(granted: str, days: int, old_due: str, new_due: str) -> str:
    """One line on other papers of the case: when a 延期 was granted and the new due date."""
    return f"{granted}批准延期{days}个工作日，办结期限由{old_due}延至{new_due}"
