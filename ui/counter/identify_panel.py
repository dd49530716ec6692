"""Identify: ID number checked as typed, resident lookup or registration, agent, open cases, history."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.counter_dto import AgentInput
from app.services.dto import CaseSummary, ResidentView, SignedInUser
from app.services.types import ResidentInput, ValidationError, normalise_input
from ui.background import BackgroundOp
from ui.counter.case_models import CaseTableModel
from ui.counter.common import (
    chain_enter,
    error_text,
    latin_only,
    plain_label,
    show_error,
    show_ok,
    tr,
)
from ui.counter.hardware import IdCardRead, decode_wedge
from ui.i18n import QT_TR_NOOP

RELATIONSHIPS = (
    QT_TR_NOOP("子女"),
    QT_TR_NOOP("配偶"),
    QT_TR_NOOP("父母"),
    QT_TR_NOOP("兄弟姐妹"),
    QT_TR_NOOP("其他亲属"),
    QT_TR_NOOP("社区工作人员"),
    QT_TR_NOOP("其他"),
)


@dataclass(frozen=True)
class ResidentFile:
    """A resident with their open cases and history, shown after identification."""

    resident: ResidentView
    open_cases: list[CaseSummary]
    history: list[CaseSummary]


class IdentifyPanel(QGroupBox):
    """Emits `identified(ResidentView)` once the resident is known (looked up or registered)."""

    identified = Signal(object)

    def __init__(self, services: Services, user: SignedInUser | None) -> None:
        super().__init__()
        self.services = services
        self.user = user
        self.resident: ResidentView | None = None
        self._from_card = False
        self.id_edit = latin_only(QLineEdit())
        self.id_edit.setObjectName("idNumber")
        self.id_edit.setMaxLength(40)  # full-width input and separators are folded
        self.id_info = plain_label()
        self.id_info.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.phone_edit = latin_only(QLineEdit(), digits=True)
        self.address_edit = QLineEdit()
        self.person_info = plain_label()  # name and address as typed, never as markup
        self.person_info.setWordWrap(True)
        self.message = plain_label()
        self.message.setWordWrap(True)

        self.agent_box = QCheckBox()
        self.agent_id = latin_only(QLineEdit())
        self.agent_name = QLineEdit()
        self.agent_rel = QComboBox()
        self.agent_rel.setEditable(True)
        self.agent_phone = latin_only(QLineEdit(), digits=True)
        self.agent_form = QWidget()
        af = QFormLayout(self.agent_form)
        af.setContentsMargins(0, 0, 0, 0)
        self.agent_labels = [QLabel() for _ in range(4)]
        for label, w in zip(
            self.agent_labels,
            (self.agent_id, self.agent_name, self.agent_rel, self.agent_phone),
            strict=True,
        ):
            af.addRow(label, w)
        self.agent_form.setVisible(False)
        self.agent_box.toggled.connect(self._agent_toggled)

        self.cases_model = CaseTableModel(self)
        self.cases_view = QTableView()
        self.cases_view.setModel(self.cases_model)
        self.cases_view.verticalHeader().hide()
        self.cases_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.cases_view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        form = QFormLayout()
        self.labels = [QLabel() for _ in range(4)]
        form.addRow(self.labels[0], self.id_edit)
        form.addRow("", self.id_info)
        form.addRow(self.labels[1], self.name_edit)
        form.addRow(self.labels[2], self.phone_edit)
        form.addRow(self.labels[3], self.address_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.person_info)
        layout.addWidget(self.message)
        layout.addWidget(self.agent_box)
        layout.addWidget(self.agent_form)
        self.cases_title = QLabel()
        layout.addWidget(self.cases_title)
        layout.addWidget(self.cases_view, 1)

        self.id_edit.textChanged.connect(self.check_as_typed)
        self.id_edit.returnPressed.connect(self.look_up)
        chain_enter([self.name_edit, self.phone_edit, self.address_edit])
        self.address_edit.returnPressed.connect(self.register)
        chain_enter([self.agent_id, self.agent_name, self.agent_rel, self.agent_phone])
        self._show_register(False)
        self.watch_printable()
        self.translateUI()

    def translateUI(self) -> None:
        self.setTitle(tr("身份核验（F5）"))
        for label, text in zip(
            self.labels,
            (
                QT_TR_NOOP("证件号码"),
                QT_TR_NOOP("姓名"),
                QT_TR_NOOP("联系电话"),
                QT_TR_NOOP("住址"),
            ),
            strict=True,
        ):
            label.setText(tr(text))
        self.id_edit.setPlaceholderText(tr("输入、扫描或读卡，回车查询"))
        self.name_edit.setPlaceholderText(tr("新申请人：填写姓名"))
        self.address_edit.setPlaceholderText(tr("回车登记申请人"))
        self.agent_box.setText(tr("代办人代为办理"))
        for label, text in zip(
            self.agent_labels,
            (
                QT_TR_NOOP("代办人证件号"),
                QT_TR_NOOP("代办人姓名"),
                QT_TR_NOOP("与申请人关系"),
                QT_TR_NOOP("代办人电话"),
            ),
            strict=True,
        ):
            label.setText(tr(text))
        self.agent_rel.clear()
        self.agent_rel.addItems([tr(r) for r in RELATIONSHIPS])
        self.cases_title.setText(tr("在办件与近期办件"))
        self.cases_model.translateUI()

    # --- typing -------------------------------------------------------------------------------

    def clear(self) -> None:
        self.resident = None
        for w in (
            self.id_edit,
            self.name_edit,
            self.phone_edit,
            self.address_edit,
            self.agent_id,
            self.agent_name,
            self.agent_phone,
        ):
            w.clear()
        self.agent_box.setChecked(False)
        self.id_info.clear()
        self.person_info.clear()
        self.message.clear()
        self.cases_model.set_rows([])
        self._show_register(False)

    def focus_id(self) -> None:
        self.id_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.id_edit.selectAll()

    def check_as_typed(self, text: str) -> bool:
        """Show birth date, sex, age and kind, or the problem in red; True when valid."""
        if not normalise_input(text):
            self.id_info.clear()
            return False
        try:
            parsed = self.services.residents.check_id(text)
        except ValidationError as exc:
            show_error(self.id_info, exc.message)
            return False
        parts = [parsed.kind.label]
        if parsed.birth_date:
            today = self.services.today()
            parts.append(tr("出生 %s") % parsed.birth_date.isoformat())
            parts.append(tr("%d 岁") % (parsed.age(today) or 0))
        if parsed.sex:
            parts.append(parsed.sex)
        if parsed.region_name:
            parts.append(parsed.region_name)
        parts.extend(parsed.warnings)
        show_ok(self.id_info, " · ".join(parts))
        return True

    def fill_from_card(self, card: IdCardRead) -> None:
        """A vendor reader read a card: fill the fields and look the resident up."""
        self.clear()
        self.id_edit.setText(card.id_number)
        self.name_edit.setText(decode_wedge(card.name))
        self.address_edit.setText(card.address)
        self._from_card = True
        self.look_up()

    # --- lookup and registration --------------------------------------------------------------

    def look_up(self) -> None:
        text = self.id_edit.text()
        if not self.check_as_typed(text):
            self.id_edit.selectAll()
            return
        user = self.user

        def work() -> ResidentFile | None:
            found = self.services.residents.lookup(text, user)
            if found is None or user is None:
                return None if found is None else ResidentFile(found, [], [])
            cases = self.services.cases
            return ResidentFile(
                found, cases.open_cases_of(found.id, user), cases.history_of(found.id, user, 10)
            )

        BackgroundOp(work).success(self._looked_up).failure(self._failed).run()

    def _looked_up(self, found: ResidentFile | None) -> None:
        from_card, self._from_card = self._from_card, False
        if found is None and from_card and self.name_edit.text().strip():
            self.register()  # the card carries name and address: register in one go
            return
        if found is None:
            self._show_register(True)
            self.person_info.setText(tr("新申请人：请填写姓名、电话、住址后回车登记"))
            self.name_edit.setFocus()
            return
        self._show_register(False)
        self._set_resident(found.resident)
        by_id = {c.id: c for c in found.open_cases + found.history}
        self.cases_model.set_rows(list(by_id.values()))
        if found.open_cases:
            self.message.setText(tr("有 %d 件在办") % len(found.open_cases))

    def watch_printable(self) -> None:
        """Name and address print on the papers: a character the font lacks is named as typed."""
        fields = ((self.name_edit, tr("姓名")), (self.address_edit, tr("住址")))
        for edit, label in fields:
            edit.textChanged.connect(lambda text, label=label: self._printable(text, label))

    def _printable(self, text: str, label: str) -> None:
        problem = self.services.residents.printable_problem(text, label)
        if problem:
            show_error(self.message, problem)
        elif self.message.text().startswith("“" + label):
            self.message.clear()

    def refresh_cases(self) -> None:
        """The resident's open and recent cases again (after F7/F8 added one)."""
        r, user = self.resident, self.user
        if r is None or user is None:
            return
        cases = self.services.cases

        def work() -> list[CaseSummary]:
            both = cases.open_cases_of(r.id, user) + cases.history_of(r.id, user, 10)
            return list({c.id: c for c in both}.values())

        BackgroundOp(work).success(self._cases_refreshed).failure(self._failed).run()

    def _cases_refreshed(self, rows: list[CaseSummary]) -> None:
        if self.resident is not None:
            self.cases_model.set_rows(rows)

    def register(self) -> None:
        data = ResidentInput(
            id_number=self.id_edit.text(),
            name=self.name_edit.text(),
            phone=self.phone_edit.text(),
            address=self.address_edit.text(),
        )
        user = self.user
        BackgroundOp(lambda: self.services.residents.register(data, user)).success(
            self._registered
        ).failure(self._failed).run()

    def _registered(self, r: ResidentView) -> None:
        self._show_register(False)
        self._set_resident(r)
        self.cases_model.set_rows([])

    def _set_resident(self, r: ResidentView) -> None:
        self.resident = r
        born = r.birth_date.isoformat() if r.birth_date else ""
        phone, address = r.phone_masked or tr("无电话"), r.address or tr("无住址")
        self.person_info.setText(
            f"{r.name_masked} · {r.sex} · {born} · {r.id_number_masked}\n{phone} · {address}"
        )
        self.message.clear()
        self.identified.emit(r)

    def _failed(self, exc: Exception) -> None:
        show_error(self.message, error_text(exc))

    def _show_register(self, on: bool) -> None:
        for w in (self.name_edit, self.phone_edit, self.address_edit):
            w.setVisible(on)
        for label in self.labels[1:]:
            label.setVisible(on)

    def _agent_toggled(self, on: bool) -> None:
        self.agent_form.setVisible(on)
        if on:
            self.agent_id.setFocus()

    def agent(self) -> AgentInput | None:
        if not self.agent_box.isChecked():
            return None
        return AgentInput(
            id_number=self.agent_id.text(),
            name=self.agent_name.text(),
            relationship=self.agent_rel.currentText(),
            phone=self.agent_phone.text(),
        )
