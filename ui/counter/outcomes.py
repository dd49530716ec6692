"""F7–F10 and 咨询 at the window: the input of one matter checked and sent to the intake service.

A mixin of CounterWorkspace (ui/counter/workspace.py), which owns the widgets named below.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from app.services.bootstrap import Services
from app.services.counter_dto import (
    DUPLICATE_CASE,
    MATERIAL_STATE_LABELS,
    IntakeInput,
    IntakeResult,
)
from app.services.dto import CentreOverview, SignedInUser
from app.services.types import MatterSpec
from ui.background import BackgroundOp
from ui.counter.common import error_text, show_error, show_ok
from ui.counter.dialogs import ConsultDialog, RejectDialog, give_focus_back
from ui.counter.documents_glue import DocumentDesk
from ui.counter.form_editor import FormEditor
from ui.counter.form_print import form_data
from ui.counter.identify_panel import IdentifyPanel
from ui.counter.materials import MaterialsModel, MaterialsView
from ui.counter.matter_picker import MatterPicker
from ui.counter.queue_panel import QueuePanel
from ui.counter.supplement_dialog import LackingMaterial, SupplementDialog
from ui.i18n import tr


class IntakeOutcomes(QWidget):
    """The outcomes of one matter: 受理, 即办, 一次性告知, 不予受理, 咨询, and the printed form."""

    message = Signal(str)  # for the status bar

    services: Services
    user: SignedInUser | None
    counter_id: uuid.UUID | None
    overview: CentreOverview | None
    desk: DocumentDesk
    spec: MatterSpec | None
    status: QLabel
    identify: IdentifyPanel
    picker: MatterPicker
    form: FormEditor
    materials: MaterialsView
    materials_model: MaterialsModel
    queue: QueuePanel
    _done: Callable[[IntakeResult], None]  # the workspace's reaction to a finished intake

    def _input(self) -> IntakeInput | None:
        r, spec = self.identify.resident, self.spec
        if self.user is None or self.counter_id is None:
            show_error(self.status, tr("未登录或未设置窗口号"))
            return None
        if r is None:
            show_error(self.status, tr("请先核验申请人身份（F5）"))
            self.identify.focus_id()
            return None
        if spec is None:
            show_error(self.status, tr("请先选择事项（F6）"))
            self.picker.focus_search()
            return None
        return IntakeInput(
            counter_id=self.counter_id,
            resident_id=r.id,
            matter_code=spec.code,
            form_data=self.form.values(),
            materials=self.materials_model.inputs(),
            ticket_id=self.queue.ticket.id if self.queue.ticket else None,
            agent=self.identify.agent(),
        )

    def _intake(
        self,
        call: Callable[[IntakeInput, SignedInUser], IntakeResult],
        data: IntakeInput | None = None,
    ) -> None:
        data, user = data or self._input(), self.user
        if data is None or user is None:
            return
        ready = data

        def failed(exc: Exception) -> None:
            if getattr(exc, "code", "") == DUPLICATE_CASE and self.confirm_duplicate(
                error_text(exc)
            ):
                self._intake(call, replace(ready, confirm_duplicate=True))
                return
            self._failed(exc)

        BackgroundOp(lambda: call(ready, user)).success(self._done).failure(failed).run()

    def confirm_duplicate(self, text: str) -> bool:
        """The resident already has a case of this matter: go on only when the clerk says so."""
        box = QMessageBox(QMessageBox.Icon.Warning, tr("同一事项已有办件"), text, parent=self)
        yes = box.addButton(tr("确认再次办理"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(box.addButton(tr("取消"), QMessageBox.ButtonRole.RejectRole))
        box.exec()
        give_focus_back(box)
        return box.clickedButton() is yes

    def _failed(self, exc: Exception) -> None:
        show_error(self.status, error_text(exc))
        self.form.validate(show_all=True)
        self.message.emit(error_text(exc))

    def _all_materials_checked(self) -> bool:
        """F7/F8 list received materials only: each must have been marked by the clerk."""
        unchecked = self.materials_model.unchecked()
        if unchecked and self.spec is not None and self.identify.resident is not None:
            show_error(
                self.status,
                tr("以下材料尚未确认收取：%s（1 收取，0 其余全部收取，Ctrl+M 必需材料收齐）")
                % "、".join(unchecked),
            )
            self.materials.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        return True

    def required_materials_in(self) -> None:
        """Ctrl+M from anywhere in the window: the required materials are in hand; the focus stays."""
        if self.spec is None:
            show_error(self.status, tr("请先选择事项（F6）"))
            return
        received, absent = self.materials_model.required_received()
        if not received and not absent:
            show_ok(self.status, tr("材料均已标记"))
            return
        text = tr("已收取：%s") % ("、".join(received) or tr("无"))
        if absent:
            text += tr("；未提供：%s") % "、".join(absent)
        show_ok(self.status, text)

    def accept(self) -> None:
        if self._all_materials_checked():
            self._intake(self.services.intake.accept)

    def complete_on_spot(self) -> None:
        if self._all_materials_checked():
            self._intake(self.services.intake.complete_on_spot)

    def supplement(self) -> None:
        """F9: ask, item by item, what is wrong and by when; then the 一次性告知书."""
        data, user, spec = self._input(), self.user, self.spec
        if data is None or user is None or spec is None:
            return
        values = self.form.values()
        empty = [f.label for f in spec.form_fields if f.required and f.key not in values]
        lacking = [
            LackingMaterial(
                r.spec.code, r.spec.name, r.state, tr(MATERIAL_STATE_LABELS[r.state]), r.note
            )
            for r in self.materials_model.rows
            if r.state == "defective" or (r.state == "missing" and r.spec.required)
        ]
        if not lacking and not empty:
            show_error(self.status, tr("材料齐全、申请表已填完，无需一次性告知，请按 F7 受理"))
            return
        dialog = SupplementDialog(lacking, empty, self.services.today(), self)
        if not dialog.exec():
            return
        notes, deadline = dialog.notes(), dialog.deadline()
        materials = tuple(replace(m, note=notes.get(m.code, m.note)) for m in data.materials)
        self._intake(
            lambda d, u: self.services.intake.request_supplement(
                d, u, supplement_deadline=deadline
            ),
            replace(data, materials=materials),
        )

    def reject(self) -> None:
        if self._input() is None:
            return
        dialog = RejectDialog(self)
        if not dialog.exec():
            return
        reason, basis = dialog.reason.toPlainText(), dialog.basis.text()
        self._intake(
            lambda d, u: self.services.intake.reject_at_intake(
                d, u, reason=reason, legal_basis=basis
            )
        )

    def print_form(self) -> None:
        spec, resident = self.spec, self.identify.resident
        if spec is None or resident is None:
            show_error(self.status, tr("请先核验申请人身份并选择事项"))
            return
        if spec.form_layout is None:
            show_error(self.status, tr("该事项没有统一的申请表样式"))
            return
        data = form_data(spec, resident, self.form.values(), self.services.today())
        self.desk.print_form(data)
        show_ok(self.status, tr("正在打印申请表，请申请人核对后签字"))

    def consult(self) -> None:
        user, counter = self.user, self.counter_id
        if user is None or counter is None:
            show_error(self.status, tr("未登录或未设置窗口号"))
            return
        dialog = ConsultDialog(self)
        if not dialog.exec():
            return
        note = dialog.note.toPlainText()
        code = self.spec.code if self.spec else ""
        resident = self.identify.resident.id if self.identify.resident else None
        ticket = self.queue.ticket.id if self.queue.ticket else None
        BackgroundOp(
            lambda: self.services.intake.consult(
                counter, user, note=note, matter_code=code, resident_id=resident, ticket_id=ticket
            )
        ).success(lambda _v: show_ok(self.status, tr("已登记咨询"))).failure(self._failed).run()
