"""Ratings (好差评): one per service; the two lowest levels open a follow-up (差评整改)."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select

from app.db.models import Case, Rating, Ticket
from app.db.types import new_id
from app.domain.errors import IllegalTransition, ValidationError
from app.services.case_numbers import get_or_404, require_centre, sync_row
from app.services.context import ServiceContext
from app.services.counter_dto import RATING_LABELS, RatingView
from app.services.dto import SignedInUser
from app.services.follow_ups import open_follow_up

BAD_LEVELS = (1, 2)


class RatingService:
    """Residents' ratings and the follow-up of bad ones."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def rate(
        self,
        user: SignedInUser,
        *,
        level: int,
        comment: str = "",
        ticket_id: uuid.UUID | None = None,
        case_id: uuid.UUID | None = None,
    ) -> RatingView:
        """Rate a service (a ticket's visit or a case): 5 非常满意 … 1 非常不满意."""
        comment = comment.strip()
        if level not in RATING_LABELS:
            raise ValidationError("RATING_LEVEL", "评价等级应为 1 至 5", "level")
        if level in BAD_LEVELS and not comment:
            raise ValidationError("FIELD_REQUIRED", "请说明不满意的原因", "comment")
        if len(comment) > 500:
            raise ValidationError("FIELD_TOO_LONG", "评价内容不能超过 500 个字", "comment")
        if ticket_id is None and case_id is None:
            raise ValidationError("RATING_TARGET", "请指明评价的排队号或办件", "target")
        now = self.ctx.clock()
        with self.ctx.uow() as uow:
            s = uow.session
            ticket = get_or_404(s, Ticket, ticket_id, "排队号") if ticket_id else None
            case = get_or_404(s, Case, case_id, "办件") if case_id else None
            if ticket is None and case is not None and case.ticket_id is not None:
                ticket = s.get(Ticket, case.ticket_id)
            centre_id = (ticket or case).centre_id  # type: ignore[union-attr]
            require_centre(user, centre_id)
            same: list = []
            if ticket is not None:
                same.append(Rating.ticket_id == ticket.id)
            if case is not None:
                same.append(Rating.case_id == case.id)
            if s.scalar(select(Rating.id).where(or_(*same)).limit(1)) is not None:
                raise IllegalTransition("RATING_EXISTS", "这次服务已经评价过，每次服务只能评价一次")
            rating = Rating(
                id=new_id(),
                centre_id=centre_id,
                ticket_id=ticket.id if ticket else None,
                case_id=case.id if case else None,
                counter_id=(ticket.counter_id if ticket else None)
                or (case.counter_id if case else None),
                clerk_id=(ticket.clerk_id if ticket else None) or (case.clerk_id if case else None),
                level=level,
                comment=comment,
                rated_at=now,
            )
            s.add(rating)
            sync_row(uow, "rating", rating)
            follow_up = open_follow_up(uow, self.ctx, rating, now) if level in BAD_LEVELS else None
            uow.audit(
                "rating_recorded",
                user_id=user.id,
                centre_id=centre_id,
                subject_type="rating",
                subject_id=rating.id,
                level=level,
            )
            return RatingView(
                rating.id,
                level,
                RATING_LABELS[level],
                comment,
                rating.ticket_id,
                rating.case_id,
                now,
                follow_up.id if follow_up else None,
            )
