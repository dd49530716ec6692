"""The administrators' window (they do no counter work): the audit trail for the audit administrator,
accounts for the security administrator. Every action goes through the services' permission table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.dto import SignedInUser
from app.services.types import ROLE_NAMES, AccountView, AuditRow, local_time
from ui.table_model import Column, RowTableModel

ADMIN_ROLES = frozenset({"system_admin", "audit_admin", "security_admin"})


def tr(text: str) -> str:
    return QCoreApplication.translate("AdminWindow", text)


def _error(parent: QWidget, exc: Exception) -> None:
    QMessageBox.warning(parent, tr("一窗通"), getattr(exc, "message", None) or str(exc))


class AuditPage(QWidget):
    """The audit trail, newest first; verify the chain; export to CSV."""

    def __init__(self, services: Services, user: SignedInUser) -> None:
        super().__init__()
        self.services, self.user = services, user
        self.model: RowTableModel[AuditRow] = RowTableModel(
            [
                Column(tr("序号"), lambda r: str(r.seq or ""), align_right=True),
                Column(tr("时间"), lambda r: local_time(r.at).strftime("%Y-%m-%d %H:%M:%S")),
                Column(tr("账号"), lambda r: r.username),
                Column(tr("窗口"), lambda r: r.window),
                Column(tr("操作"), lambda r: r.action),
                Column(tr("对象"), lambda r: f"{r.subject_type} {r.subject_id or ''}".strip()),
                Column(tr("结果"), lambda r: r.result),
                Column(tr("详情"), lambda r: r.detail),
            ]
        )
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel()
        self.refresh_button = QPushButton(tr("刷新"))
        self.verify_button = QPushButton(tr("校验审计链"))
        self.export_button = QPushButton(tr("导出 CSV…"))
        self.refresh_button.clicked.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self.export)
        buttons = QHBoxLayout()
        for b in (self.refresh_button, self.verify_button, self.export_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.view)
        layout.addWidget(self.status)

    def refresh(self) -> None:
        try:
            self.model.set_rows(self.services.audit.records(self.user))
        except Exception as exc:
            _error(self, exc)

    def verify(self) -> None:
        try:
            report = self.services.audit.verify(self.user)
        except Exception as exc:
            _error(self, exc)
            return
        first = report.chain.first_break
        if first is None:
            self.status.setText(
                tr("审计链完整：已核验 {n} 条，没有发现修改、删除或插入").format(
                    n=report.chain.checked
                )
            )
        else:
            self.status.setText(tr("审计链被破坏！第一处：{text}").format(text=first.text))
        self.refresh()

    def export(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, tr("导出审计记录"), "", "CSV (*.csv)")
        if not path:
            return
        try:
            Path(path).write_bytes(self.services.audit.export_csv(self.user))
        except Exception as exc:
            _error(self, exc)
            return
        self.status.setText(tr("已导出到 {path}").format(path=path))


class AccountsPage(QWidget):
    """Accounts: create, set the one role, reset a password, unlock, disable."""

    def __init__(self, services: Services, user: SignedInUser) -> None:
        super().__init__()
        self.services, self.user = services, user
        self.model: RowTableModel[AccountView] = RowTableModel(
            [
                Column(tr("用户名"), lambda a: a.username),
                Column(tr("姓名"), lambda a: a.display_name),
                Column(tr("角色"), lambda a: a.role_name),
                Column(tr("状态"), self._state),
            ]
        )
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot in (
            ("create", tr("新建账号…"), self.create_account),
            ("role", tr("修改角色…"), self.set_role),
            ("reset", tr("重置密码…"), self.reset_password),
            ("unlock", tr("解锁"), self.unlock),
            ("active", tr("停用/启用"), self.toggle_active),
            ("totp", tr("重置动态验证码"), self.reset_second_factor),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[key] = button
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.view)

    @staticmethod
    def _state(a: AccountView) -> str:
        if not a.active:
            return tr("已停用")
        if a.locked_until is not None:
            return tr("已锁定至 {t}").format(t=local_time(a.locked_until).strftime("%H:%M"))
        return tr("须改密码") if a.must_change_password else tr("正常")

    def refresh(self) -> None:
        try:
            self.model.set_rows(self.services.accounts.list_accounts(self.user))
        except Exception as exc:
            _error(self, exc)

    def selected(self) -> AccountView | None:
        index = self.view.currentIndex()
        rows = self.model.rows()
        return rows[index.row()] if index.isValid() and index.row() < len(rows) else None

    def _run(self, action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as exc:
            _error(self, exc)
        self.refresh()

    def _ask_role(self, current: str = "clerk") -> str | None:
        names = list(ROLE_NAMES.values())
        name, ok = QInputDialog.getItem(
            self, tr("角色"), tr("角色"), names, names.index(ROLE_NAMES[current]), False
        )
        if not ok:
            return None
        return next(k for k, v in ROLE_NAMES.items() if v == name)

    def _ask_password(self) -> str | None:
        text, ok = QInputDialog.getText(
            self, tr("临时密码"), tr("临时密码（首次登录须修改）"), QLineEdit.EchoMode.Password
        )
        return text if ok else None

    def create_account(self) -> None:
        username, ok = QInputDialog.getText(self, tr("新建账号"), tr("用户名"))
        if not ok:
            return
        name, ok = QInputDialog.getText(self, tr("新建账号"), tr("姓名"))
        role = self._ask_role() if ok else None
        password = self._ask_password() if role else None
        if role and password is not None:
            self._run(
                lambda: self.services.accounts.create_account(
                    self.user, username, name, role, password
                )
            )

    def set_role(self) -> None:
        account = self.selected()
        role = self._ask_role(account.role) if account else None
        if account and role:
            self._run(lambda: self.services.accounts.set_role(self.user, account.id, role))

    def reset_password(self) -> None:
        account = self.selected()
        password = self._ask_password() if account else None
        if account and password is not None:
            self._run(
                lambda: self.services.accounts.reset_password(self.user, account.id, password)
            )

    def unlock(self) -> None:
        if account := self.selected():
            self._run(lambda: self.services.accounts.unlock_account(self.user, account.id))

    def reset_second_factor(self) -> None:
        """Level 3: a lost phone; the account enrols a new authenticator at its next sign-in."""
        if account := self.selected():
            self._run(lambda: self.services.accounts.reset_second_factor(self.user, account.id))

    def toggle_active(self) -> None:
        if account := self.selected():
            self._run(
                lambda: self.services.accounts.set_active(self.user, account.id, not account.active)
            )


class AdminWindow(QMainWindow):
    """What an administrator's role allows, one tab each; no counter workspace."""

    def __init__(self, services: Services, user: SignedInUser) -> None:
        super().__init__()
        self.services, self.user = services, user
        self.setObjectName("AdminWindow")
        # Qt adds " — 一窗通" (the application's display name) to the title
        self.setWindowTitle(f"{ROLE_NAMES.get(user.role, user.role)} {user.display_name}")
        self.resize(1100, 700)
        self.tabs = QTabWidget()
        self.audit: AuditPage | None = None
        self.accounts: AccountsPage | None = None
        if user.role == "audit_admin":
            self.audit = AuditPage(services, user)
            self.tabs.addTab(self.audit, tr("审计记录"))
        if user.role == "security_admin":
            self.accounts = AccountsPage(services, user)
            self.tabs.addTab(self.accounts, tr("账号管理"))
        if self.tabs.count() == 0:
            self.tabs.addTab(
                QLabel(tr("系统管理员的工作（目录导入、同步）在命令行进行：onewindow --user …")),
                tr("系统管理"),
            )
        self.setCentralWidget(self.tabs)

    def load(self) -> None:
        for page in (self.audit, self.accounts):
            if page is not None:
                page.refresh()
