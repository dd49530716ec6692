"""窗口受理: the clerk's workspace — queue, identify, matter, materials, form and the outcomes by F-key."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.counter_dto import (
    DUPLICATE_CASE,
    MATERIAL_STATE_LABELS,
    IntakeInput,
    IntakeResult,
    TicketView,
)
from app.services.dto import CentreOverview, ResidentView, SignedInUser
from app.services.types import CaseType, MatterSpec
from ui.actions import SPECS, ActionId, ActionRegistry
from ui.background import BackgroundOp
from ui.counter.common import error_text, show_error, show_ok, tr
from ui.counter.dialogs import ConsultDialog, RejectDialog, TransferDialog, give_focus_back
from ui.counter.documents_glue import DocumentDesk, Printed
from ui.counter.form_editor import FormEditor
from ui.counter.form_print import form_data
from ui.counter.hardware import CardPoller, IdCardRead, IdCardReader
from ui.counter.identify_panel import IdentifyPanel
from ui.counter.materials import MaterialsModel, MaterialsView
from ui.counter.matter_picker import MatterPicker, UsageCounter
from ui.counter.queue_panel import QueuePanel
from ui.counter.rating import NoRating, RatingRequester
from ui.counter.supplement_dialog import LackingMaterial, SupplementDialog

OUTCOMES = (
    ActionId.ACCEPT,
    ActionId.COMPLETE_ON_SPOT,
    ActionId.SUPPLEMENT_NOTICE,
    ActionId.REJECT,
    ActionId.CONSULT,
    ActionId.FINISH_SERVICE,
)
QUEUE_KEYS = (
    ActionId.CALL_NEXT,
    ActionId.RECALL,
    ActionId.SKIP,
    ActionId.HOLD,
    ActionId.TRANSFER,
    ActionId.REQUEUE,
)


class CounterWorkspace(QWidget):
    """Everything of one service at the window; `message(str)` goes to the status bar."""

    message = Signal(str)
    outcome = Signal(object)  # IntakeResult

    def __init__(
        self,
        services: Services,
        user: SignedInUser | None,
        registry: ActionRegistry,
        desk: DocumentDesk,
        *,
        counter_id: uuid.UUID | None = None,
        window_number: int = 0,
        overview: CentreOverview | None = None,
        rating: RatingRequester | None = None,
        reader: IdCardReader | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("counterWorkspace")
        self.services, self.user, self.registry, self.desk = services, user, registry, desk
        self.counter_id, self.window_number, self.overview = counter_id, window_number, overview
        self.rating: RatingRequester = rating or NoRating()
        self.spec: MatterSpec | None = None
        self.cases_this_service: list[uuid.UUID] = []
        self.last_result: IntakeResult | None = None
        centre_id = overview.centre.id if overview else None
        self.queue = QueuePanel(services, user, counter_id, centre_id)
        self.identify = IdentifyPanel(services, user)
        self.picker = MatterPicker(services, UsageCounter(user.username if user else "", settings))
        self.materials_model = MaterialsModel(self)
        self.materials = MaterialsView(self.materials_model)
        self.form = FormEditor(services)
        self.matter_title = QLabel()
        self.matter_title.setObjectName("matterTitle")
        self.matter_title.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.matter_title.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("outcomeStatus")
        self._layout()
        self._bind()
        self.queue.called.connect(self._called)
        self.queue.message.connect(self.message)
        self.identify.identified.connect(self._identified)
        self.picker.picked.connect(self.load_matter)
        self.form.finished.connect(self._form_done)
        self.desk.printed.connect(self._printed)
        self.desk.failed.connect(lambda m: show_error(self.status, m))
        self.poller: CardPoller | None = None
        if reader is not None:
            self.poller = CardPoller(reader, self)
            self.poller.card_read.connect(self.card_read)
        self.translateUI()

    # --- layout -------------------------------------------------------------------------------

    def _layout(self) -> None:
        self.intake_box = QGroupBox()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.materials_label, self.form_label = QLabel(), QLabel()
        v = QVBoxLayout(self.intake_box)
        v.addWidget(self.matter_title)
        v.addWidget(self.materials_label)
        v.addWidget(self.materials, 2)
        v.addWidget(self.form_label)
        v.addWidget(scroll, 3)
        v.addWidget(self.status)
        self.buttons = QHBoxLayout()
        for aid in QUEUE_KEYS[:3] + OUTCOMES:
            b = QToolButton()
            b.setDefaultAction(self.registry.action(aid))
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setMinimumHeight(34)
            self.buttons.addWidget(b)
        self.buttons.addStretch(1)
        grid = QGridLayout(self)
        grid.addLayout(self.buttons, 0, 0, 1, 4)
        grid.addWidget(self.queue, 1, 0)
        grid.addWidget(self.identify, 1, 1)
        grid.addWidget(self.picker, 1, 2)
        grid.addWidget(self.intake_box, 1, 3)
        for col, stretch in enumerate((2, 4, 4, 6)):
            grid.setColumnStretch(col, stretch)

    def _bind(self) -> None:
        r, q = self.registry, self.queue
        r.bind(ActionId.CALL_NEXT, self.call_next)
        r.bind(ActionId.RECALL, q.recall)
        r.bind(ActionId.SKIP, q.skip)
        r.bind(ActionId.REQUEUE, q.requeue)
        r.bind(ActionId.HOLD, q.hold)
        r.bind(ActionId.TRANSFER, self.transfer)
        r.bind(ActionId.IDENTIFY, self.identify.focus_id)
        r.bind(ActionId.FIND_MATTER, self.picker.focus_search)
        r.bind(ActionId.ACCEPT, self.accept)
        r.bind(ActionId.COMPLETE_ON_SPOT, self.complete_on_spot)
        r.bind(ActionId.SUPPLEMENT_NOTICE, self.supplement)
        r.bind(ActionId.REJECT, self.reject)
        r.bind(ActionId.CONSULT, self.consult)
        r.bind(ActionId.FINISH_SERVICE, self.finish_service)
        r.bind(ActionId.PRINT_FORM, self.print_form)

    def translateUI(self) -> None:
        for aid in QUEUE_KEYS[:3] + OUTCOMES:
            a = self.registry.action(aid)
            a.setIconText(f"{a.text()}  {SPECS[aid].shortcut}")
        self.intake_box.setTitle(tr("受理"))
        self.materials_label.setText(
            tr("申请材料（未收取的不算已收；1 收取 · 2 缺少 · 3 容缺 · 4 不符合 · 0 其余全部收取）")
        )
        self.form_label.setText(tr("申请表"))
        if self.spec is None:
            self.matter_title.setText(tr("尚未选择事项"))

    def start(self) -> None:
        """After the window is shown: the waiting list, the matter list and the card reader."""
        self.queue.refresh()
        self.picker.run_search("")
        if self.poller is not None:
            self.poller.start()

    # --- queue and identification --------------------------------------------------------------

    def call_next(self) -> None:
        self.queue.call_next()

    def _called(self, t: TicketView) -> None:
        self.clear_service()
        self.identify.focus_id()

    def clear_service(self) -> None:
        self.identify.clear()
        self.cases_this_service.clear()
        self._clear_matter()

    def _clear_matter(self) -> None:
        self.spec = None
        self.materials_model.load((), date.today())
        self.form.clear()
        self.matter_title.setText(tr("尚未选择事项"))

    def card_read(self, card: IdCardRead) -> None:
        self.identify.fill_from_card(card)

    def _identified(self, r: ResidentView) -> None:
        self.queue.start_serving()
        self.message.emit(tr("已核验：%s") % r.name_masked)
        self.picker.focus_search()

    def transfer(self) -> None:
        groups = self.overview.service_groups if self.overview else ()
        dialog = TransferDialog(groups, self)
        if dialog.exec():
            self.queue.transfer(str(dialog.group.currentData()), dialog.comment.text())

    # --- matter -------------------------------------------------------------------------------

    def load_matter(self, code: str) -> None:
        BackgroundOp(lambda: self.services.catalogue.matter(code)).success(self._matter).failure(
            lambda e: show_error(self.status, error_text(e))
        ).run()

    def _matter(self, spec: MatterSpec) -> None:
        self.spec = spec
        days = (
            tr("即办") if spec.promised_days == 0 else tr("承诺 %d 个工作日") % spec.promised_days
        )
        self.matter_title.setText(
            f"{spec.code} {spec.name}<br><small>{spec.case_type.value} · {days} · "
            f"{spec.department}</small>"
        )
        self.materials_model.load(spec.materials, self.services.today())
        self.form.load(spec)
        self.status.clear()
        first = self.form.first_field()
        (first or self.materials).setFocus(Qt.FocusReason.OtherFocusReason)

    def _form_done(self) -> None:
        hint = (
            tr("按 F8 即办办结")
            if self.spec and self.spec.case_type is CaseType.IMMEDIATE
            else tr("按 F7 受理")
        )
        show_ok(self.status, tr("申请表已填完，") + hint)

    # --- outcomes -----------------------------------------------------------------------------

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
                tr("以下材料尚未确认收取：%s（1 收取，0 其余全部收取）") % "、".join(unchecked),
            )
            self.materials.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        return True

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
        centre = self.overview.centre if self.overview else None
        data = form_data(spec, resident, self.form.values(), centre, self.services.now())
        self.desk.print_data("form", data, None, number=spec.code)
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

    def _done(self, result: IntakeResult) -> None:
        self.last_result = result
        self.cases_this_service.append(result.case_id)
        texts = {
            "receipt": tr("已受理"),
            "completion": tr("已即办办结"),
            "supplement": tr("已出具一次性告知书，计时暂停"),
            "rejection": tr("已不予受理"),
        }
        show_ok(
            self.status, f"{texts.get(result.kind, '')}：{result.case_number}，" + tr("正在打印…")
        )
        self.message.emit(f"{texts.get(result.kind, '')} {result.case_number}")
        self.outcome.emit(result)
        self.desk.print_result(result)
        self._clear_matter()
        self.picker.focus_search()

    def _printed(self, p: Printed) -> None:
        self.message.emit(tr("已打印：%s") % p.name)

    def finish_service(self) -> None:
        def rate(t: TicketView | None) -> None:
            if self.user is not None:
                self.rating.request_rating(
                    ticket_id=t.id if t else None,
                    case_ids=tuple(self.cases_this_service),
                    clerk=self.user,
                    window_number=self.window_number,
                )
            self.clear_service()
            self.message.emit(tr("服务结束，已邀请评价"))

        self.queue.finish(rate)
