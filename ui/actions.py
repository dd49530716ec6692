"""The one action registry of the counter: every action keyed by an enum, with its F-key and text.

Screens ask the registry for a QAction and connect it; the help overlay lists the registry; a queue
keypad feeds the same actions. Shortcuts live here only, so two screens can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QWidget

from ui.i18n import QT_TR_NOOP, tr


class ActionId(Enum):
    """Every keyboard action of the counter window."""

    HELP = auto()
    CALL_NEXT = auto()
    RECALL = auto()
    SKIP = auto()
    IDENTIFY = auto()
    FIND_MATTER = auto()
    MATERIALS_IN = auto()
    ACCEPT = auto()
    COMPLETE_ON_SPOT = auto()
    SUPPLEMENT_NOTICE = auto()
    REJECT = auto()
    CONSULT = auto()
    PRINT_FORM = auto()
    FINISH_SERVICE = auto()
    TRANSFER = auto()
    HOLD = auto()
    REQUEUE = auto()
    CASE_SEARCH = auto()
    HAND_OVER = auto()
    RESUME_CASE = auto()
    RECORD_DECISION = auto()
    REPRINT = auto()
    SYNC_NOW = auto()
    LOCK = auto()
    SWITCH_USER = auto()
    SIGN_OUT = auto()


# The session's actions: enabled only while someone is signed in at the window (ui/lock_screen.py
# binds them and enables them; they are disabled again as the session ends).
SESSION_ACTIONS = (ActionId.LOCK, ActionId.SWITCH_USER, ActionId.SIGN_OUT)


@dataclass(frozen=True)
class ActionSpec:
    """An action's name, shortcut and tooltip (marked for translation), and the access key a menu
    shows it with (Alt+letter of its menu, then the letter)."""

    text: str  # Simplified Chinese, through tr() when the action is built
    shortcut: str
    tip: str = ""
    access: str = ""  # a Latin letter: the menu item reads 切换用户(U)


SPECS: dict[ActionId, ActionSpec] = {
    ActionId.HELP: ActionSpec(QT_TR_NOOP("快捷键帮助"), "F1", QT_TR_NOOP("显示全部快捷键")),
    ActionId.CALL_NEXT: ActionSpec(QT_TR_NOOP("叫号"), "F2", QT_TR_NOOP("呼叫下一位")),
    ActionId.RECALL: ActionSpec(QT_TR_NOOP("重呼"), "F3", QT_TR_NOOP("再次呼叫当前号码")),
    ActionId.SKIP: ActionSpec(QT_TR_NOOP("过号"), "F4", QT_TR_NOOP("当前号码未到，过号")),
    ActionId.IDENTIFY: ActionSpec(QT_TR_NOOP("身份核验"), "F5", QT_TR_NOOP("输入或读取身份证号")),
    ActionId.FIND_MATTER: ActionSpec(
        QT_TR_NOOP("选择事项"), "F6", QT_TR_NOOP("按名称、编码或拼音首字母查找事项")
    ),
    ActionId.MATERIALS_IN: ActionSpec(
        QT_TR_NOOP("必需材料收齐"),
        "Ctrl+M",
        QT_TR_NOOP("未标记的必需材料标为已收取，未标记的非必需材料标为未提供"),
    ),
    ActionId.ACCEPT: ActionSpec(QT_TR_NOOP("受理"), "F7", QT_TR_NOOP("受理并打印受理回执")),
    ActionId.COMPLETE_ON_SPOT: ActionSpec(
        QT_TR_NOOP("即办办结"), "F8", QT_TR_NOOP("即办件当场办结并打印办结通知")
    ),
    ActionId.SUPPLEMENT_NOTICE: ActionSpec(
        QT_TR_NOOP("一次性告知"), "F9", QT_TR_NOOP("打印一次性告知书，暂停计时")
    ),
    ActionId.REJECT: ActionSpec(
        QT_TR_NOOP("不予受理"), "F10", QT_TR_NOOP("填写理由并打印不予受理通知书")
    ),
    ActionId.FINISH_SERVICE: ActionSpec(
        QT_TR_NOOP("结束服务"), "F11", QT_TR_NOOP("结束本次服务并邀请评价")
    ),
    ActionId.CONSULT: ActionSpec(
        QT_TR_NOOP("咨询登记"), "F12", QT_TR_NOOP("记录一次咨询，不生成办件")
    ),
    ActionId.PRINT_FORM: ActionSpec(
        QT_TR_NOOP("打印申请表"), "Ctrl+E", QT_TR_NOOP("按已填内容打印申请表，供申请人核对签字")
    ),
    ActionId.TRANSFER: ActionSpec(QT_TR_NOOP("转窗"), "Ctrl+T", QT_TR_NOOP("转到其他窗口或队列")),
    ActionId.HOLD: ActionSpec(QT_TR_NOOP("挂起"), "Ctrl+H", QT_TR_NOOP("挂起当前号码")),
    ActionId.REQUEUE: ActionSpec(
        QT_TR_NOOP("重新排队"), "Ctrl+R", QT_TR_NOOP("过号的群众重新排队")
    ),
    ActionId.CASE_SEARCH: ActionSpec(
        QT_TR_NOOP("办件查询"), "Ctrl+F", QT_TR_NOOP("按办件编号、身份证号、姓名、电话或日期查询")
    ),
    ActionId.HAND_OVER: ActionSpec(
        QT_TR_NOOP("结果领取"), "Ctrl+L", QT_TR_NOOP("登记领取并打印领取凭证")
    ),
    ActionId.RESUME_CASE: ActionSpec(
        QT_TR_NOOP("补正后受理"),
        "Ctrl+B",
        QT_TR_NOOP("待补正的办件材料补齐后恢复办理并打印受理回执"),
    ),
    ActionId.RECORD_DECISION: ActionSpec(
        QT_TR_NOOP("录入部门决定"), "Ctrl+D", QT_TR_NOOP("值班长代录部门审批结果")
    ),
    ActionId.REPRINT: ActionSpec(
        QT_TR_NOOP("补打"), "Ctrl+P", QT_TR_NOOP("补打已打印的文书（需填写原因）")
    ),
    ActionId.SYNC_NOW: ActionSpec(
        QT_TR_NOOP("立即同步"), "Ctrl+S", QT_TR_NOOP("立即与区级平台同步")
    ),
    ActionId.LOCK: ActionSpec(
        QT_TR_NOOP("锁定窗口"),
        "Ctrl+Shift+L",
        QT_TR_NOOP("离开座位时锁定，输入本人密码解锁，未完成的受理保留"),
        "L",
    ),
    ActionId.SWITCH_USER: ActionSpec(
        QT_TR_NOOP("切换用户"),
        "Ctrl+Shift+U",
        QT_TR_NOOP("结束本人会话，换另一位工作人员登录（程序不退出）"),
        "U",
    ),
    ActionId.SIGN_OUT: ActionSpec(
        QT_TR_NOOP("退出登录"),
        "Ctrl+Shift+Q",
        QT_TR_NOOP("结束本人会话，回到登录界面（程序不退出）"),
        "Q",
    ),
}


class ActionRegistry(QObject):
    """Builds each QAction once, on a parent widget so its shortcut works window-wide."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._actions: dict[ActionId, QAction] = {}
        app = QCoreApplication.instance()
        if app is not None:  # text fields must not swallow the window's shortcuts (Ctrl+E …)
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A field that would take a registered shortcut for itself (QLineEdit takes Ctrl+E as
        "end of line" on X11) is refused it, so the window's action runs."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and isinstance(watched, QWidget)
            and watched.window() is self.parent()
        ):
            pressed = QKeySequence(event.keyCombination())
            for action in self._actions.values():
                if action.isEnabled() and action.shortcut().matches(pressed) == (
                    QKeySequence.SequenceMatch.ExactMatch
                ):
                    event.ignore()
                    return True
        return super().eventFilter(watched, event)

    def action(self, action_id: ActionId) -> QAction:
        if action_id not in self._actions:
            spec = SPECS[action_id]
            action = QAction(self.parent())
            action.setObjectName(action_id.name)
            action.setShortcut(QKeySequence(spec.shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setEnabled(action_id not in SESSION_ACTIONS)  # until a session binds them
            self._actions[action_id] = action
            self._retranslate(action_id)
        return self._actions[action_id]

    def bind(self, action_id: ActionId, slot: Callable[[], object]) -> QAction:
        action = self.action(action_id)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def translateUI(self) -> None:
        for action_id in self._actions:
            self._retranslate(action_id)

    def _retranslate(self, action_id: ActionId) -> None:
        spec = SPECS[action_id]
        action = self._actions[action_id]
        access = f"(&{spec.access})" if spec.access else ""
        action.setText(tr(spec.text) + access)
        action.setToolTip(f"{tr(spec.tip or spec.text)}（{spec.shortcut}）")

    def all(self) -> list[tuple[ActionId, QAction]]:
        return [(a, self.action(a)) for a in ActionId]

    def help_rows(self) -> list[tuple[str, str, str]]:
        """(shortcut, name, what it does) for the help overlay, in registry order."""
        return [(SPECS[a].shortcut, tr(SPECS[a].text), tr(SPECS[a].tip)) for a in ActionId]
