"""Centre-wide rules in the database (max recalls, office hours, remedies, document prefixes, time zone,
address and phones): read by every service, set by an administrator or published by the district."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import DEFAULT_ZONE, set_business_zone, zone_named
from app.db.models import Centre, CentreSettings
from app.documents.wording import DEFAULT_OFFICE_HOURS, default_court, default_review_body
from app.domain.errors import IllegalTransition, ValidationError
from app.domain.phone import parse_phone
from app.services.case_numbers import get_or_404, require_centre
from app.services.context import ServiceContext
from app.services.dto import SignedInUser

# The district-owned record kind a hub publishes these under (one per centre, keyed by its code).
SYNC_KIND = "centre_settings"


@dataclass(frozen=True)
class CentreSettingsView:
    """The rules one centre works and prints by; empty stored texts are filled with the defaults."""

    centre_id: uuid.UUID
    centre_code: str
    centre_name: str
    district: str
    address: str
    enquiry_phone: str
    supervision_phone: str
    max_recalls: int
    office_hours: str
    review_body: str  # 行政复议机关
    court: str  # 行政诉讼的管辖法院
    rejection_prefix: str  # 不予受理通知书文号前缀，如 秣便不受字
    supplement_prefix: str  # 一次性告知书文号前缀，如 秣便补字
    time_zone: str
    source: str  # centre / district / default


EDITABLE = (
    "address",
    "enquiry_phone",
    "supervision_phone",
    "max_recalls",
    "office_hours",
    "review_body",
    "court",
    "rejection_prefix",
    "supplement_prefix",
    "time_zone",
)
_LIMITS = {
    "address": 200,
    "office_hours": 100,
    "review_body": 100,
    "court": 100,
    "rejection_prefix": 30,
    "supplement_prefix": 30,
}
_LABELS = {
    "address": "中心地址",
    "office_hours": "办公时间",
    "review_body": "行政复议机关",
    "court": "管辖法院",
    "rejection_prefix": "不予受理文号前缀",
    "supplement_prefix": "一次性告知书文号前缀",
}


def settings_view(centre: Centre, row: CentreSettings | None) -> CentreSettingsView:
    return CentreSettingsView(
        centre_id=centre.id,
        centre_code=centre.code,
        centre_name=centre.name,
        district=centre.district,
        address=centre.address,
        enquiry_phone=centre.enquiry_phone,
        supervision_phone=centre.supervision_phone,
        max_recalls=row.max_recalls if row else 2,
        office_hours=(row.office_hours if row else "") or DEFAULT_OFFICE_HOURS,
        review_body=(row.review_body if row else "") or default_review_body(centre.district),
        court=(row.court if row else "") or default_court(centre.district),
        rejection_prefix=row.rejection_prefix if row else "",
        supplement_prefix=row.supplement_prefix if row else "",
        time_zone=(row.time_zone if row else "") or DEFAULT_ZONE,
        source=row.source if row else "default",
    )


def load_settings(s: Session, centre_id: uuid.UUID) -> CentreSettingsView:
    centre = get_or_404(s, Centre, centre_id, "服务中心")
    return settings_view(centre, s.get(CentreSettings, centre_id))


def checked_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes cleaned and checked; ValidationError (Chinese) on the first bad one."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in EDITABLE:
            raise ValidationError("SETTING_UNKNOWN", f"没有这项中心设置：{key}", key)
        if key == "max_recalls":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9:
                raise ValidationError("SETTING_RANGE", "过号重呼次数须为 0 到 9 的整数", key)
            out[key] = value
            continue
        text = str(value or "").strip()
        if key in ("enquiry_phone", "supervision_phone"):
            label = "咨询电话" if key == "enquiry_phone" else "监督电话"
            if not text:
                raise ValidationError("FIELD_REQUIRED", f"请填写{label}", key)
            try:
                text = parse_phone(text).display
            except ValidationError as exc:
                raise ValidationError(exc.code, f"{label}：{exc.message}", key) from exc
        elif key == "time_zone":
            try:
                zone_named(text or DEFAULT_ZONE)
            except ValueError as exc:
                raise ValidationError("SETTING_ZONE", str(exc), key) from exc
            text = text or DEFAULT_ZONE
        elif len(text) > _LIMITS[key]:
            raise ValidationError(
                "FIELD_TOO_LONG", f"{_LABELS[key]}不能超过 {_LIMITS[key]} 个字", key
            )
        out[key] = text
    return out


def store_settings(
    s: Session, centre: Centre, changes: dict[str, Any], source: str, by: str, now: Any
) -> CentreSettings:
    """Write checked changes: address and phones on the centre row, the rest on its settings row."""
    row = s.get(CentreSettings, centre.id)
    if row is None:
        row = CentreSettings(centre_id=centre.id, max_recalls=2)
        s.add(row)
    for key, value in changes.items():
        target: Any = centre if key in ("address", "enquiry_phone", "supervision_phone") else row
        setattr(target, key, value)
    row.source, row.updated_by, row.updated_at = source, by[:50], now
    return row


def apply_district_settings(s: Session, payload: dict[str, Any], now: Any) -> bool:
    """A `centre_settings` record pulled from the hub: applied when it names this database's centre.
    Unknown keys are ignored (a newer hub may publish more); a bad value keeps the old one."""
    centre = s.scalars(select(Centre).where(Centre.code == payload.get("centre_code"))).first()
    if centre is None:
        return False
    changes: dict[str, Any] = {}
    for key in EDITABLE:
        if key in payload:
            try:
                changes.update(checked_changes({key: payload[key]}))
            except ValidationError:
                continue
    store_settings(s, centre, changes, "district", "区级平台", now)
    if "time_zone" in changes:
        set_business_zone(changes["time_zone"])
    return True


class CentreSettingsService:
    """Read the centre's rules (everyone) and change them (an administrator only)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def get(self, centre_id: uuid.UUID | None = None) -> CentreSettingsView:
        """The settings of `centre_id`, or of the database's first centre."""
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            if centre_id is None:
                centre = s.scalars(select(Centre).order_by(Centre.created_at)).first()
                if centre is None:
                    raise LookupError("数据库中没有服务中心，请先运行 onewindow init-db")
                centre_id = centre.id
            return load_settings(s, centre_id)

    def update(self, user: SignedInUser, **changes: Any) -> CentreSettingsView:
        """An administrator sets some of the rules of their own centre; all or nothing."""
        if user.role not in ("admin", "system_admin"):
            raise IllegalTransition("ADMIN_ONLY", "只有管理员可以修改中心设置")
        if user.centre_id is None:
            raise ValidationError("SETTING_CENTRE", "该账号不属于任何服务中心")
        clean = checked_changes(changes)
        with self.ctx.uow() as uow:
            s = uow.session
            centre = get_or_404(s, Centre, user.centre_id, "服务中心")
            require_centre(user, centre.id)
            store_settings(s, centre, clean, "centre", user.username, self.ctx.clock())
            uow.audit(
                "centre_settings_changed",
                user_id=user.id,
                centre_id=centre.id,
                subject_type="centre",
                subject_id=centre.id,
                keys=sorted(clean),
            )
            view = load_settings(s, centre.id)
        set_business_zone(view.time_zone)
        return view
