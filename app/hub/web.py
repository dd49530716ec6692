"""Plain server-rendered pages for department staff: login, routed cases, acceptance and decisions."""

from __future__ import annotations

import uuid
from html import escape
from typing import TYPE_CHECKING, Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.hub import admin, departments
from app.hub.admin import HubError

if TYPE_CHECKING:
    from app.hub.api import Hub

_STYLE = """body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}
td,th{border:1px solid #999;padding:.3em .6em}.err{color:#b00}form.inline{display:inline}"""


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>")
    return HTMLResponse(html, status_code=status)


def _login_form(error: str = "") -> str:
    err = f"<p class='err'>{escape(error)}</p>" if error else ""
    return (f"{err}<form method='post' action='/dept/login'><p>用户名 <input name='username' required></p>"
            "<p>密码 <input name='password' type='password' required></p><button>登录</button></form>")


def add_pages(app: FastAPI, hub: Hub) -> None:
    def current(request: Request) -> Response | None:
        try:
            hub.staff(request, role="department")
        except HubError:
            return RedirectResponse("/dept/login", status_code=303)
        return None

    @app.get("/dept/login", response_class=HTMLResponse)
    def login_page() -> HTMLResponse:
        return page("部门人员登录", _login_form())

    @app.post("/dept/login", response_model=None)
    def login(request: Request, username: Annotated[str, Form(max_length=50)],
              password: Annotated[str, Form(max_length=200)]) -> Response:
        try:
            with hub.tx() as s:
                token = admin.staff_login(s, username, password, hub.clock())
        except HubError as exc:
            return page("部门人员登录", _login_form(exc.message), status=401)
        resp = RedirectResponse("/dept", status_code=303)
        resp.set_cookie("ow_staff", token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", max_age=int(admin.STAFF_SESSION_TTL.total_seconds()))
        return resp

    @app.post("/dept/logout", response_model=None)
    def logout(request: Request) -> Response:
        with hub.tx() as s:
            admin.staff_logout(s, request.cookies.get("ow_staff", ""), hub.clock())
        resp = RedirectResponse("/dept/login", status_code=303)
        resp.delete_cookie("ow_staff")
        return resp

    @app.get("/dept", response_model=None)
    def case_list(request: Request) -> Response:
        if (redirect := current(request)) is not None:
            return redirect
        staff = hub.staff(request)
        with hub.sessions() as s:
            cases = departments.list_cases(s, staff.department)
        rows = "".join(
            f"<tr><td><a href='/dept/cases/{c['case_id']}'>{escape(c['case_number'])}</a></td>"
            f"<td>{escape(c['matter_code'])}</td><td>{escape(c['centre'])}</td>"
            f"<td>{escape(c['status_label'])}</td><td>{escape(str(c['due_date'] or ''))}</td></tr>" for c in cases)
        body = (f"<p>{escape(staff.display_name)}（{escape(staff.department)}）"
                "<form class='inline' method='post' action='/dept/logout'><button>退出</button></form></p>"
                "<table><tr><th>办件编号</th><th>事项</th><th>受理中心</th><th>状态</th><th>承诺期限</th></tr>"
                f"{rows}</table>" + ("" if cases else "<p>暂无待办办件</p>"))
        return page("转办到本部门的办件", body)

    @app.get("/dept/cases/{case_id}", response_model=None)
    def case_page(case_id: uuid.UUID, request: Request, error: str = "") -> Response:
        if (redirect := current(request)) is not None:
            return redirect
        staff = hub.staff(request)
        try:
            with hub.sessions() as s:
                c = departments.case_view(s, staff, case_id)
        except HubError as exc:
            return page("办件", f"<p class='err'>{escape(exc.message)}</p>", status=exc.status)
        fields = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                         for k, v in c["form_data"].items())
        err = f"<p class='err'>{escape(error)}</p>" if error else ""
        act = f"/dept/cases/{case_id}"
        body = (f"{err}<p>事项 {escape(c['matter_code'])} · {escape(c['centre'])} · 状态：{escape(c['status_label'])}</p>"
                f"<table>{fields}</table>"
                f"<form method='post' action='{act}/accept'><button>部门受理</button></form>"
                f"<form method='post' action='{act}/decide'><p><label><input type='radio' name='decision' "
                "value='approved' checked>批准</label> <label><input type='radio' name='decision' "
                "value='approved_deferred'>容缺批准</label> <label><input type='radio' name='decision' "
                "value='denied'>不予批准</label></p><p>理由/说明 <input name='reason' size='60'></p>"
                "<p>容缺材料（每行一项）<br><textarea name='deferred' rows='3' cols='60'></textarea></p>"
                "<button>提交决定</button></form><p><a href='/dept'>返回列表</a></p>")
        return page(f"办件 {c['case_number']}", body)

    def _act(request: Request, case_id: uuid.UUID, fn: str, form: dict[str, str]) -> Response:
        if (redirect := current(request)) is not None:
            return redirect
        staff = hub.staff(request)
        try:
            with hub.tx() as s:
                if fn == "accept":
                    departments.accept(s, staff, case_id, hub.clock())
                else:
                    deferred = [x.strip() for x in form.get("deferred", "").splitlines() if x.strip()]
                    departments.decide(s, staff, case_id, form.get("decision", ""), form.get("reason", ""),
                                       deferred, hub.clock())
        except HubError as exc:
            return case_page(case_id, request, error=exc.message)
        return RedirectResponse(f"/dept/cases/{case_id}", status_code=303)

    @app.post("/dept/cases/{case_id}/accept", response_model=None)
    def accept(case_id: uuid.UUID, request: Request) -> Response:
        return _act(request, case_id, "accept", {})

    @app.post("/dept/cases/{case_id}/decide", response_model=None)
    def decide(case_id: uuid.UUID, request: Request, decision: Annotated[str, Form(max_length=30)] = "",
               reason: Annotated[str, Form(max_length=500)] = "",
               deferred: Annotated[str, Form(max_length=5000)] = "") -> Response:
        return _act(request, case_id, "decide", {"decision": decision, "reason": reason, "deferred": deferred})
