"""The 事项目录 tab's detail pane: one matter's facts as escaped HTML."""

from __future__ import annotations

from html import escape

from app.services.dto import MatterSummary
from app.services.types import MatterSpec
from ui.i18n import tr


def days_text(m: MatterSummary | MatterSpec) -> str:
    """The promised time in words: 即办 or N 个工作日."""
    return tr("即办") if m.promised_days == 0 else tr("%d 个工作日") % m.promised_days


def matter_detail_html(m: MatterSpec) -> str:
    """Name, department, case type, deadlines, fee, deciding body, conditions and materials; every
    value from the catalogue is escaped, so markup in a published text shows as text."""
    deferrable, optional = tr("，可容缺"), tr("，视情况提供")
    materials = "".join(
        f"<li>{escape(mat.name)}（{escape(mat.form.value)}×{mat.copies}"
        f"{deferrable if mat.deferrable else ''}{'' if mat.required else optional}）</li>"
        for mat in m.materials
    )
    conditions = "".join(f"<li>{escape(c)}</li>" for c in m.conditions)
    legal = tr("%d 个工作日") % m.legal_days if m.legal_days is not None else tr("无法定时限")
    promised, legal_word, body = tr("承诺"), tr("法定"), tr("决定机关")
    conditions_word, materials_word = tr("办理条件"), tr("申请材料")
    return (
        f"<h3>{escape(m.name)}</h3><p>{escape(m.department)} · {escape(m.case_type.value)} · "
        f"{promised} {days_text(m)} · {legal_word} {legal} · {escape(m.fee)}</p>"
        f"<p><b>{body}</b>：{escape(m.deciding_body)}</p>"
        f"<p><b>{conditions_word}</b></p><ul>{conditions}</ul>"
        f"<p><b>{materials_word}</b></p><ol>{materials}</ol>"
    )
