"""Plain server-rendered pages for department staff: login, routed cases, acceptance and decisions.

Every form that changes something carries an anti-forgery token (admin.staff_csrf_token of the
session; before sign-in a random token double-submitted in a login-path cookie) on top of the
SameSite=Strict cookies; a missing or wrong token gets 403 and changes nothing."""

from __future__ import annotations

import hmac
import secrets
import uuid
from html import escape
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.hub import admin, departments
from app.hub.admin import HubError
from app.hub.models import HubStaff

if TYPE_CHECKING:
    from app.hub.api import Hub

_STYLE = """body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}
td,th{border:1px solid #999;padding:.3em .6em}.err{color:#b00}form{margin:.8em 0}form.inline{display:inline}
.code{color:#666;font-size:.8em;white-space:nowrap}.nowrap{white-space:nowrap}.who{color:#333;margin-bottom:1em}"""
# Pages hold residents' personal data: never cached, never framed (no click-jacking of the forms).
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
}
SESSION_COOKIE = "ow_staff"
LOGIN_CSRF_COOKIE = "ow_login_csrf"  # before sign-in there is no session: a double-submitted token
LOGIN_CSRF_TTL = 2 * 3600
CSRF_FIELD = "csrf_token"
_FORGED = "页面已过期或请求来源无法确认，操作未执行。请回到办件页面刷新后重试。"


def page(
    title: str, body: str, status: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    html = (
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers={**_HEADERS, **(headers or {})})


def _csrf_field(token: str) -> str:
    return f"<input type='hidden' name='{CSRF_FIELD}' value='{escape(token)}'>"


def _login_form(csrf: str, error: str = "") -> str:
    err = f"<p class='err'>{escape(error)}</p>" if error else ""
    return (
        f"{err}<form method='post' action='/dept/login'>{_csrf_field(csrf)}"
        "<p>用户名 <input name='username' required autocomplete='username'></p>"
        "<p>密码 <input name='password' type='password' required autocomplete='current-password'></p>"
        "<button>登录</button></form>"
    )


def _login_page(
    request: Request, error: str = "", status: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """The login form with this browser's pre-session token (kept while it looks like ours, so two
    open tabs both work), set again as a cookie scoped to the login path."""
    csrf = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (
        len(csrf) == 43 and csrf.replace("-", "").replace("_", "").isalnum() and csrf.isascii()
    ):
        csrf = secrets.token_urlsafe(32)
    resp = page("部门人员登录", _login_form(csrf, error), status=status, headers=headers)
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        max_age=LOGIN_CSRF_TTL,
        path="/dept/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return resp


def _matter(c: dict[str, Any]) -> str:
    """The matter's name with its code in small print, or the code alone where no name is known."""
    if not c["matter_name"]:
        return escape(c["matter_code"])
    return f"{escape(c['matter_name'])} <span class='code'>{escape(c['matter_code'])}</span>"


def _who(staff: HubStaff, csrf: str) -> str:
    return (
        f"<div class='who'>{escape(staff.display_name)}（{escape(staff.department)}） "
        f"<form class='inline' method='post' action='/dept/logout'>{_csrf_field(csrf)}"
        "<button>退出</button></form></div>"
    )


def forbidden() -> HTMLResponse:
    return page(
        "操作未执行",
        f"<p class='err'>{escape(_FORGED)}</p><p><a href='/dept'>返回办件列表</a></p>",
        status=403,
    )


def add_pages(app: FastAPI, hub: Hub) -> None:
    def signed_in(request: Request) -> tuple[HubStaff, str] | None:
        """The department staff member of this browser and the forms' token, or None."""
        try:
            staff = hub.staff(request, role="department")
        except HubError:
            return None
        return staff, admin.staff_csrf_token(request.cookies.get(SESSION_COOKIE, ""))

    def form_ok(request: Request, submitted: str) -> bool:
        return admin.staff_csrf_ok(request.cookies.get(SESSION_COOKIE, ""), submitted)

    def to_login() -> Response:
        return RedirectResponse("/dept/login", status_code=303)

    @app.get("/dept/login", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return _login_page(request)

    @app.post("/dept/login", response_model=None)
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=50)],
        password: Annotated[str, Form(max_length=200)],
        csrf_token: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not (expected and csrf_token.isascii() and hmac.compare_digest(expected, csrf_token)):
            return _login_page(
                request, "登录页面已过期或来源无法确认，请重新输入用户名和密码", status=403
            )
        client = request.client.host if request.client else ""
        try:
            token = admin.staff_login(hub.sessions, username, password, client, hub.clock())
        except admin.LoginThrottled as exc:
            return _login_page(
                request, exc.message, status=429, headers={"Retry-After": str(exc.retry_after)}
            )
        except HubError as exc:
            return _login_page(request, exc.message, status=exc.status)
        resp = RedirectResponse("/dept", status_code=303)
        resp.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=int(admin.STAFF_SESSION_TTL.total_seconds()),
        )
        resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/dept/login")
        return resp

    @app.post("/dept/logout", response_model=None)
    def logout(request: Request, csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
        token = request.cookies.get(SESSION_COOKIE, "")
        if token and not form_ok(request, csrf_token):
            return forbidden()
        if token:
            with hub.tx() as s:
                admin.staff_logout(s, token, hub.clock())
        resp = to_login()
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    @app.get("/dept", response_model=None)
    def case_list(request: Request) -> Response:
        if (who := signed_in(request)) is None:
            return to_login()
        staff, csrf = who
        with hub.sessions() as s:
            cases = departments.list_cases(s, staff.department)
        rows = "".join(
            f"<tr><td><a href='/dept/cases/{c['case_id']}'>{escape(c['case_number'])}</a></td>"
            f"<td>{_matter(c)}</td><td>{escape(c['centre'])}</td>"
            f"<td class='nowrap'>{escape(c['status_label'])}</td>"
            f"<td class='nowrap'>{escape(str(c['due_date'] or ''))}</td></tr>"
            for c in cases
        )
        body = (
            _who(staff, csrf)
            + "<table><tr><th>办件编号</th><th>事项</th><th>受理中心</th><th>状态</th><th>承诺期限</th></tr>"
            f"{rows}</table>" + ("" if cases else "<p>暂无待办办件</p>")
        )
        return page("转办到本部门的办件", body)

    def render_case(
        staff: HubStaff, csrf: str, case_id: uuid.UUID, error: str = "", status: int = 200
    ) -> Response:
        try:
            with hub.sessions() as s:
                c = departments.case_view(s, staff, case_id)
        except HubError as exc:
            return page(
                "办件",
                f"<p class='err'>{escape(exc.message)}</p><p><a href='/dept'>返回列表</a></p>",
                status=exc.status,
            )
        who_applied = c.get("applicant") or {}
        applicant = (
            f"<p>申请人：{escape(who_applied['name'])} · 证件号码 {escape(who_applied['id_number'])}"
            f"{' · 电话 ' + escape(who_applied['phone']) if who_applied.get('phone') else ''}</p>"
            if who_applied.get("name")
            else ""
        )
        fields = "".join(
            f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
            for k, v in c["form_fields"]
        )
        err = f"<p class='err'>{escape(error)}</p>" if error else ""
        act = f"/dept/cases/{case_id}"
        body = (
            f"{_who(staff, csrf)}{err}<p>事项：{_matter(c)} · 受理中心：{escape(c['centre'])} · "
            f"状态：{escape(c['status_label'])}</p>{applicant}<table>{fields}</table>"
            f"<form method='post' action='{act}/accept'>{_csrf_field(csrf)}<button>部门受理</button></form>"
            f"<form method='post' action='{act}/decide'>{_csrf_field(csrf)}<p><label><input type='radio' "
            "name='decision' value='approved' checked>批准</label> <label><input type='radio' name='decision' "
            "value='approved_deferred'>容缺批准</label> <label><input type='radio' name='decision' "
            "value='denied'>不予批准</label></p><p>理由/说明 <input name='reason' size='60'></p>"
            "<p>容缺材料（每行一项）<br><textarea name='deferred' rows='3' cols='60'></textarea></p>"
            "<button>提交决定</button></form><p><a href='/dept'>返回列表</a></p>"
        )
        return page(f"办件 {c['case_number']}", body, status=status)

    @app.get("/dept/cases/{case_id}", response_model=None)
    def case_page(case_id: uuid.UUID, request: Request) -> Response:
        if (who := signed_in(request)) is None:
            return to_login()
        return render_case(*who, case_id)

    def act(
        request: Request, case_id: uuid.UUID, csrf_token: str, form: dict[str, str] | None
    ) -> Response:
        """Department acceptance (form None) or a decision; nothing is recorded unless the form's
        token matches this browser's session."""
        if (who := signed_in(request)) is None:
            return to_login()
        if not form_ok(request, csrf_token):
            return forbidden()
        staff, csrf = who
        try:
            with hub.tx() as s:
                if form is None:
                    departments.accept(s, staff, case_id, hub.clock())
                else:
                    deferred = [x.strip() for x in form["deferred"].splitlines() if x.strip()]
                    departments.decide(
                        s, staff, case_id, form["decision"], form["reason"], deferred, hub.clock()
                    )
        except HubError as exc:
            return render_case(staff, csrf, case_id, error=exc.message, status=exc.status)
        return RedirectResponse(f"/dept/cases/{case_id}", status_code=303)

    @app.post("/dept/cases/{case_id}/accept", response_model=None)
    def accept(
        case_id: uuid.UUID, request: Request, csrf_token: Annotated[str, Form(max_length=100)] = ""
    ) -> Response:
        return act(request, case_id, csrf_token, None)

    @app.post("/dept/cases/{case_id}/decide", response_model=None)
    def decide(
        case_id: uuid.UUID,
        request: Request,
        decision: Annotated[str, Form(max_length=30)] = "",
        reason: Annotated[str, Form(max_length=500)] = "",
        deferred: Annotated[str, Form(max_length=5000)] = "",
        csrf_token: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        return act(
            request,
            case_id,
            csrf_token,
            {"decision": decision, "reason": reason, "deferred": deferred},
        )
