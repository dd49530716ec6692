"""窗口受理: the clerk's workspace — queue, identify, matter, materials, form and the outcomes by F-key."""

from __future__ import annotations

import uuid
from html import escape

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
)

from app.services.bootstrap import Services
from app.services.counter_dto import (
    IntakeResult,
    TicketView,
)
from app.services.dto import CentreOverview, ResidentView, SignedInUser
from app.services.types import CaseType, MatterSpec
from ui.actions import SPECS, ActionId, ActionRegistry
from ui.background import BackgroundOp
from ui.counter.common import error_text, plain_label, show_error, show_ok, tr
from ui.counter.dialogs import TransferDialog
from ui.counter.documents_glue import DocumentDesk, Printed
from ui.counter.form_editor import FormEditor
from ui.counter.hardware import CardPoller, IdCardRead, IdCardReader
from ui.counter.identify_panel import IdentifyPanel
from ui.counter.materials import MaterialsModel, MaterialsView
from ui.counter.matter_picker import MatterPicker, UsageCounter
from ui.counter.outcomes import IntakeOutcomes
from ui.counter.queue_panel import QueuePanel
from ui.counter.rating import NoRating, RatingRequester

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


class CounterWorkspace(IntakeOutcomes):
    """Everything of one service at the window; `message(str)` goes to the status bar."""

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
        self.status = plain_label()
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
        r.bind(ActionId.MATERIALS_IN, self.required_materials_in)
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
            tr("申请材料（未收取的不算已收）")
            + "  "
            + tr("1 收取 · 2 缺少 · 3 容缺 · 4 不符合 · 0 其余全部收取 · Ctrl+M 必需材料收齐")
        )
        self.form_label.setText(tr("申请表"))
        if self.spec is None:
            self.matter_title.setText(tr("尚未选择事项"))

    def start(self) -> None:
        """After the window is shown: the waiting list, the matter list and the card reader."""
        if not self.services.signed_in:
            return  # a self-test's window: asking for the queue would only be refused and audited
        self.queue.refresh()
        self.queue.pick_up_open()
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
        """The next resident starts clean: no person, cases, matter, search, form or messages."""
        self.identify.clear()
        self.cases_this_service.clear()
        self._clear_matter()
        self.status.clear()
        self._clear_search()

    def _clear_search(self) -> None:
        if self.picker.search.text():
            self.picker.search.clear()
            self.picker.run_search("")

    def _clear_matter(self) -> None:
        self.spec = None
        self.materials_model.load((), self.services.today())
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
            f"{escape(spec.code)} {escape(spec.name)}<br><small>{escape(spec.case_type.value)}"
            f" · {days} · {escape(spec.department)}</small>"
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
        self._clear_search()
        self.identify.refresh_cases()
        self.picker.focus_search()

    def _printed(self, p: Printed) -> None:
        self.message.emit(tr("已打印：%s") % p.file_name)

    def finish_service(self) -> None:
        if self.queue.ticket is None and not self.cases_this_service:
            show_error(self.status, tr("当前没有正在服务的号，无需结束服务"))
            return

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
