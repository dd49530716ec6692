"""Issuing queue tickets: the priority an ID number earns, the ticket itself and its printed slip."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.clock import business_date, local_time
from app.db.models import Centre, Resident, ServiceGroup, Ticket
from app.db.protected import equals
from app.db.types import new_id
from app.domain.errors import ValidationError
from app.domain.identity import parse_id_number
from app.domain.queue import PriorityClass, format_ticket_number, priority_for_age
from app.services.case_numbers import get_or_404, sync_row, ticket_scope
from app.services.centre import centre_info
from app.services.counter_dto import IssuedTicket, TicketView
from app.services.dto import SignedInUser
from app.services.queue_views import QueueReads


class TicketIssuing(QueueReads):
    """Part of QueueService (see app/services/queue.py): what the kiosk and reception call."""

    def priority_for_id(self, id_number: str) -> PriorityClass:
        """The priority an ID number alone earns today (ELDERLY from 60, else NORMAL); a number
        that fails the ID check raises ValidationError."""
        today = business_date(self.ctx.clock())
        parsed = parse_id_number(id_number.strip().upper(), today=today)
        return priority_for_age(parsed.birth_date, today)

    def issue_ticket(
        self,
        centre_id: uuid.UUID,
        service_group: str,
        priority: PriorityClass | str = PriorityClass.NORMAL,
        *,
        id_number: str | None = None,
        appointment: bool = False,
        user: SignedInUser | None = None,
    ) -> TicketView:
        """A new ticket; an ID number makes a 60+ resident ELDERLY, an appointment check-in counts
        as priority (ahead of ordinary tickets)."""
        now = self.ctx.clock()
        today = business_date(now)
        try:
            prio = PriorityClass(priority)
        except ValueError:
            raise ValidationError("PRIORITY_INVALID", "优先类别无效", "priority") from None
        parsed = parse_id_number(id_number, today=today) if id_number else None
        if prio is PriorityClass.NORMAL and parsed is not None:
            prio = priority_for_age(parsed.birth_date, today)
        if prio is PriorityClass.NORMAL and appointment:
            prio = PriorityClass.APPOINTMENT
        with self.ctx.uow() as uow:
            s = uow.session
            centre = get_or_404(s, Centre, centre_id, "服务中心")
            group = s.scalars(
                select(ServiceGroup).where(ServiceGroup.code == service_group)
            ).one_or_none()
            if group is None:
                raise ValidationError("GROUP_UNKNOWN", "没有这个业务分组", "service_group")
            seq = uow.next_value(ticket_scope(centre.code, group.code, today))
            resident_id = None
            if parsed is not None:
                resident_id = s.scalar(
                    select(Resident.id).where(
                        equals(s, Resident.id_number, Resident.id_number_bidx, "id", parsed.number)
                    )
                )
            t = Ticket(
                id=new_id(),
                centre_id=centre.id,
                business_date=today,
                service_group=group.code,
                seq=seq,
                number=format_ticket_number(group.prefix, seq),
                priority=prio.value,
                appointment=appointment,
                status="waiting",
                issued_at=now,
                resident_id=resident_id,
            )
            s.add(t)
            sync_row(uow, "ticket", t)
            uow.audit(
                "ticket_issued",
                user_id=user.id if user else None,
                centre_id=centre.id,
                subject_type="ticket",
                subject_id=t.id,
            )
            return self._view(s, t, now)

    def issue_ticket_with_slip(
        self,
        centre_id: uuid.UUID,
        service_group: str,
        priority: PriorityClass | str = PriorityClass.NORMAL,
        *,
        id_number: str | None = None,
    ) -> IssuedTicket:
        """Issue a ticket and render its slip (PDF bytes for the receipt printer) in one call."""
        from app.documents.model import CentreInfo as DocCentre
        from app.documents.model import TicketSlipData
        from app.documents.render import render

        ticket = self.issue_ticket(centre_id, service_group, priority, id_number=id_number)
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            centre = centre_info(get_or_404(s, Centre, centre_id, "服务中心"))
            group = s.scalars(
                select(ServiceGroup).where(ServiceGroup.code == service_group)
            ).one_or_none()
        group_name = group.name if group is not None else service_group
        slip = TicketSlipData(
            centre=DocCentre(
                centre.name, centre.address, centre.enquiry_phone, centre.supervision_phone
            ),
            ticket_number=ticket.number,
            service_group=group_name,
            waiting_ahead=ticket.waiting_ahead,
            issued_at=local_time(ticket.issued_at),  # the centre's wall clock, not UTC
            priority="" if ticket.priority == PriorityClass.NORMAL else ticket.priority_label,
        )
        return IssuedTicket(ticket, group_name, render("ticket", slip))
