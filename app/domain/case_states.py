"""The case (办件) state machine: statuses, events, the transition table, and replay of events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from app.domain.errors import DomainError, IllegalTransition

__all__ = [
    "FINAL_STATUSES",
    "TRANSITIONS",
    "CaseEventType",
    "CaseStatus",
    "allowed_events",
    "apply",
    "clock_running",
    "is_decided",
    "is_final",
    "is_open",
    "parse_event",
    "parse_status",
    "replay",
]


class CaseStatus(StrEnum):
    """Where a case stands; derived from its events by the state machine."""

    RECEIVED = "received"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    ROUTED = "routed"
    ACCEPTED_BY_DEPARTMENT = "accepted_by_department"
    APPROVED = "approved"
    APPROVED_DEFERRED = "approved_deferred"
    DENIED = "denied"
    READY_FOR_COLLECTION = "ready_for_collection"
    DELIVERED = "delivered"
    WITHDRAWN = "withdrawn"
    REJECTED_AT_INTAKE = "rejected_at_intake"
    COMPLETED_ON_SPOT = "completed_on_spot"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.RECEIVED: "已受理",
    CaseStatus.SUPPLEMENT_REQUESTED: "待补正",
    CaseStatus.ROUTED: "已转办",
    CaseStatus.ACCEPTED_BY_DEPARTMENT: "部门已受理",
    CaseStatus.APPROVED: "已批准",
    CaseStatus.APPROVED_DEFERRED: "容缺批准",
    CaseStatus.DENIED: "不予批准",
    CaseStatus.READY_FOR_COLLECTION: "待领取",
    CaseStatus.DELIVERED: "已送达/已领取",
    CaseStatus.WITHDRAWN: "已撤回",
    CaseStatus.REJECTED_AT_INTAKE: "不予受理",
    CaseStatus.COMPLETED_ON_SPOT: "即办办结",
}


class CaseEventType(StrEnum):
    """What happened to a case (one entry of its append-only timeline)."""

    RECEIVE = "receive"
    REQUEST_SUPPLEMENT = "request_supplement"
    RESUME = "resume"
    ROUTE = "route"
    RETURN_TO_CENTRE = "return_to_centre"
    DEPARTMENT_ACCEPT = "department_accept"
    APPROVE = "approve"
    APPROVE_DEFERRED = "approve_deferred"
    SUPPLY_DEFERRED = "supply_deferred"
    DENY = "deny"
    NOTIFY_READY = "notify_ready"
    DELIVER = "deliver"
    WITHDRAW = "withdraw"
    REJECT_AT_INTAKE = "reject_at_intake"
    COMPLETE_ON_SPOT = "complete_on_spot"
    SUPERVISE = "supervise"
    EXTEND = "extend"

    @property
    def label(self) -> str:
        return _EVENT_LABELS[self]


_EVENT_LABELS: dict[CaseEventType, str] = {
    CaseEventType.RECEIVE: "受理",
    CaseEventType.REQUEST_SUPPLEMENT: "一次性告知补正",
    CaseEventType.RESUME: "补正完成、恢复办理",
    CaseEventType.ROUTE: "转办至部门",
    CaseEventType.RETURN_TO_CENTRE: "部门退回",
    CaseEventType.DEPARTMENT_ACCEPT: "部门受理",
    CaseEventType.APPROVE: "批准",
    CaseEventType.APPROVE_DEFERRED: "容缺批准",
    CaseEventType.SUPPLY_DEFERRED: "容缺材料补齐",
    CaseEventType.DENY: "不予批准",
    CaseEventType.NOTIFY_READY: "结果返回、通知领取",
    CaseEventType.DELIVER: "送达/领取",
    CaseEventType.WITHDRAW: "撤回申请",
    CaseEventType.REJECT_AT_INTAKE: "不予受理",
    CaseEventType.COMPLETE_ON_SPOT: "即办办结",
    CaseEventType.SUPERVISE: "督办",
    CaseEventType.EXTEND: "延期",
}

S = CaseStatus
E = CaseEventType

# The whole rule set. Notes on the choices:
# - A case starts with RECEIVE, or directly with REJECT_AT_INTAKE (不予受理 at the window) or
#   COMPLETE_ON_SPOT (即办件 finished on the spot); an immediate case may also be received first.
# - 补正 can be asked at intake (RECEIVED) or by the department (ROUTED / ACCEPTED_BY_DEPARTMENT).
#   The resident brings the materials to the counter, so RESUME always returns the case to the
#   centre (RECEIVED), which routes it again. While waiting, the case may be withdrawn or, if the
#   materials never come, refused (不予受理).
# - The centre may decide a matter it is entitled to decide straight from RECEIVED.
# - A department may send a wrongly routed case back (RETURN_TO_CENTRE) before accepting it.
# - Withdrawal is allowed only before a decision.
# - Every decision (approved, approved with 容缺 materials owed, denied) goes back to the counter
#   (NOTIFY_READY → 待领取) and is then handed over or served (DELIVER); a denial's notice too.
#   容缺 materials supplied after the decision turn APPROVED_DEFERRED into APPROVED.
# - A supervisor's 督办 (SUPERVISE) and 延期 (EXTEND) leave the status as it is: 督办 on any case
#   still waiting for a decision, 延期 only while the deadline clock runs (not during a 补正).
_TABLE: dict[CaseStatus | None, dict[CaseEventType, CaseStatus]] = {
    None: {
        E.RECEIVE: S.RECEIVED,
        E.REJECT_AT_INTAKE: S.REJECTED_AT_INTAKE,
        E.COMPLETE_ON_SPOT: S.COMPLETED_ON_SPOT,
    },
    S.RECEIVED: {
        E.REQUEST_SUPPLEMENT: S.SUPPLEMENT_REQUESTED,
        E.ROUTE: S.ROUTED,
        E.APPROVE: S.APPROVED,
        E.APPROVE_DEFERRED: S.APPROVED_DEFERRED,
        E.DENY: S.DENIED,
        E.WITHDRAW: S.WITHDRAWN,
        E.REJECT_AT_INTAKE: S.REJECTED_AT_INTAKE,
        E.COMPLETE_ON_SPOT: S.COMPLETED_ON_SPOT,
    },
    S.SUPPLEMENT_REQUESTED: {
        E.RESUME: S.RECEIVED,
        E.WITHDRAW: S.WITHDRAWN,
        E.REJECT_AT_INTAKE: S.REJECTED_AT_INTAKE,
    },
    S.ROUTED: {
        E.DEPARTMENT_ACCEPT: S.ACCEPTED_BY_DEPARTMENT,
        E.RETURN_TO_CENTRE: S.RECEIVED,
        E.REQUEST_SUPPLEMENT: S.SUPPLEMENT_REQUESTED,
        E.APPROVE: S.APPROVED,
        E.APPROVE_DEFERRED: S.APPROVED_DEFERRED,
        E.DENY: S.DENIED,
        E.WITHDRAW: S.WITHDRAWN,
    },
    S.ACCEPTED_BY_DEPARTMENT: {
        E.REQUEST_SUPPLEMENT: S.SUPPLEMENT_REQUESTED,
        E.APPROVE: S.APPROVED,
        E.APPROVE_DEFERRED: S.APPROVED_DEFERRED,
        E.DENY: S.DENIED,
        E.WITHDRAW: S.WITHDRAWN,
    },
    S.APPROVED: {E.NOTIFY_READY: S.READY_FOR_COLLECTION},
    S.APPROVED_DEFERRED: {
        E.SUPPLY_DEFERRED: S.APPROVED,
        E.NOTIFY_READY: S.READY_FOR_COLLECTION,
    },
    S.DENIED: {E.NOTIFY_READY: S.READY_FOR_COLLECTION},
    S.READY_FOR_COLLECTION: {E.DELIVER: S.DELIVERED},
    S.DELIVERED: {},
    S.WITHDRAWN: {},
    S.REJECTED_AT_INTAKE: {},
    S.COMPLETED_ON_SPOT: {},
}

for _status in (S.RECEIVED, S.SUPPLEMENT_REQUESTED, S.ROUTED, S.ACCEPTED_BY_DEPARTMENT):
    _TABLE[_status][E.SUPERVISE] = _status
for _status in (S.RECEIVED, S.ROUTED, S.ACCEPTED_BY_DEPARTMENT):
    _TABLE[_status][E.EXTEND] = _status

TRANSITIONS: Mapping[CaseStatus | None, Mapping[CaseEventType, CaseStatus]] = MappingProxyType(
    {k: MappingProxyType(v) for k, v in _TABLE.items()}
)
FINAL_STATUSES: frozenset[CaseStatus] = frozenset(
    s for s, moves in _TABLE.items() if s and not moves
)
_DECIDED = frozenset(
    {S.APPROVED, S.APPROVED_DEFERRED, S.DENIED, S.READY_FOR_COLLECTION, S.DELIVERED}
)
_CLOCK_RUNNING = frozenset({S.RECEIVED, S.ROUTED, S.ACCEPTED_BY_DEPARTMENT})


def apply(status: CaseStatus | None, event: CaseEventType) -> CaseStatus:
    """The status after `event`; IllegalTransition (CASE_ILLEGAL_TRANSITION) if not allowed."""
    target = _TABLE[status].get(event)
    if target is None:
        current = f"当前状态为“{status.label}”" if status else "尚未受理"
        raise IllegalTransition(
            "CASE_ILLEGAL_TRANSITION", f"办件{current}，不能执行“{event.label}”"
        )
    return target


def parse_status(text: str) -> CaseStatus:
    """A stored status. Databases and sync payloads keep the member NAME ("READY_FOR_COLLECTION");
    the lower-case value ("ready_for_collection") is accepted too, so older payloads still parse."""
    try:
        return CaseStatus[str(text).upper()]
    except KeyError:
        raise DomainError("CASE_STATUS_UNKNOWN", f"未知的办件状态：{text}") from None


def parse_event(text: str) -> CaseEventType:
    """A stored event type, by NAME ("APPROVE") or value ("approve")."""
    try:
        return CaseEventType[str(text).upper()]
    except KeyError:
        raise DomainError("CASE_EVENT_UNKNOWN", f"未知的办件事件：{text}") from None


def replay(events: Iterable[CaseEventType]) -> CaseStatus:
    """The current status derived from a case's events, oldest first."""
    status: CaseStatus | None = None
    for event in events:
        status = apply(status, event)
    if status is None:
        raise IllegalTransition("CASE_NO_EVENTS", "办件没有任何记录，无法确定状态")
    return status


def allowed_events(status: CaseStatus | None) -> frozenset[CaseEventType]:
    return frozenset(_TABLE[status])


def is_final(status: CaseStatus) -> bool:
    """Nothing more can happen: delivered, withdrawn, refused at intake, completed on the spot."""
    return status in FINAL_STATUSES


def is_open(status: CaseStatus) -> bool:
    return status not in FINAL_STATUSES


def is_decided(status: CaseStatus) -> bool:
    """A decision (approve / 容缺 approve / deny) has been recorded."""
    return status in _DECIDED


def clock_running(status: CaseStatus) -> bool:
    """Whether the working-day deadline clock runs: from receipt until a decision, except while a
    补正 is pending (SUPPLEMENT_REQUESTED). It is stopped once decided and in final states."""
    return status in _CLOCK_RUNNING
