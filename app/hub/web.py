"""Server-rendered pages for department staff (Jinja2, autoescaped): login, the case list, the case
page, acceptance, and decisions that are restated for confirmation before they count.

Every form that changes something carries an anti-forgery token (admin.staff_csrf_token of the
session; before sign-in a random token double-submitted in a login-path cookie) on top of the
SameSite=Strict cookies; a missing or wrong token gets 403 and changes nothing."""

from __future__ import annotations

import hmac
import secrets
import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.hub import admin, departments, dept_case, dept_list, dept_query, workdays
from app.hub.admin import HubError
from app.hub.models import HubStaff
from app.hub.state import SESSION_COOKIE, Hub

_HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
STYLESHEET = (_HERE / "static" / "dept.css").read_bytes()
# Pages hold residents' personal data: never cached, never framed (no click-jacking of the forms),
# no scripts at all, styles only from the hub's own stylesheet, content types not guessed.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
LOGIN_CSRF_COOKIE = "ow_login_csrf"  # before sign-in there is no session: a double-submitted token
LOGIN_CSRF_TTL = 2 * 3600
CSRF_FIELD = "csrf_token"
_FORGED = "页面已过期或请求来源无法确认，操作未执行。请回到办件页面刷新后重试。"
MESSAGES = {
    "accepted": "已部门受理。请审查后作出决定。",
    "decided": "决定已提交，并已发送到受理中心。",
}
_STATUS_TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "操作未执行",
    404: "没有找到",
    409: "操作未执行",
}


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    ctx = {"staff": None, "csrf": "", "error": "", "message": "", **context}
    return templates.TemplateResponse(
        request, name, ctx, status_code=status, headers={**HEADERS, **(headers or {})}
    )


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """Any error under /dept as a Chinese page (never JSON)."""
    title = _STATUS_TITLES.get(status, "出错了" if status >= 500 else "请求未能完成")
    return render(request, "error.html", {"title": title, "error": message}, status=status)


def forbidden(request: Request) -> HTMLResponse:
    return error_page(request, 403, _FORGED)


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
    resp = render(
        request,
        "login.html",
        {"title": "部门人员登录", "error": error, "login_csrf": csrf},
        status=status,
        headers=headers,
    )
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


def _deferred_list(text: str) -> list[str]:
    return [x.strip() for x in text.splitlines() if x.strip()]


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

    def _district_home(request: Request) -> Response | None:
        """District staff have no case list: their page is the district's figures."""
        try:
            staff = hub.staff(request)
        except HubError:
            return None
        return RedirectResponse("/district", status_code=303) if staff.role == "district" else None

    @app.get("/dept/static/dept.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(
            STYLESHEET,
            media_type="text/css; charset=utf-8",
            headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    @app.get("/dept/login", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return _login_page(request)

    @app.post("/dept/login", response_model=None)
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=50)] = "",
        password: Annotated[str, Form(max_length=200)] = "",
        csrf_token: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not (expected and csrf_token.isascii() and hmac.compare_digest(expected, csrf_token)):
            return _login_page(
                request, "登录页面已过期或来源无法确认，请重新输入用户名和密码", status=403
            )
        if not username or not password:
            return _login_page(request, "请输入用户名和密码", status=422)
        client = request.client.host if request.client else ""
        try:
            token = admin.staff_login(hub.sessions, username, password, client, hub.clock())
        except admin.LoginThrottled as exc:
            return _login_page(
                request, exc.message, status=429, headers={"Retry-After": str(exc.retry_after)}
            )
        except HubError as exc:
            return _login_page(request, exc.message, status=exc.status)
        resp = RedirectResponse("/dept", status_code=303)  # district staff go on to /district
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
            return forbidden(request)
        if token:
            with hub.tx() as s:
                admin.staff_logout(s, token, hub.clock())
        resp = to_login()
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    @app.get("/dept", response_model=None)
    def case_list(request: Request) -> Response:
        if (who := signed_in(request)) is None:
            return _district_home(request) or to_login()
        staff, csrf = who
        q = dept_query.parse_query(dict(request.query_params))
        now = hub.clock()
        with hub.sessions() as s:
            if q.text and (found := dept_list.exact_case(s, staff.department, q.text)):
                return RedirectResponse(f"/dept/cases/{found}", status_code=303)
            centres, matters, names = dept_list.choices(s, staff.department)
            counted = dept_list.counts(s, staff.department, workdays.business_today(now))
            result = dept_list.search(s, staff.department, q, now, names, counted.views)

        def link(**change: Any) -> str:
            params = q.params(**change)
            return "/dept" + ("?" + urlencode(params) if params else "")

        return render(
            request,
            "list.html",
            {
                "title": "转办到本部门的办件",
                "staff": staff,
                "csrf": csrf,
                "q": q,
                "result": result,
                "today": workdays.business_today(now),
                "views": [(k, label, counted.views.get(k, 0)) for k, label, _ in dept_query.VIEWS],
                "view_link": lambda key: "/dept" + ("" if key == "todo" else f"?view={key}"),
                "page_link": lambda n: link(page=n),
                "status_choices": dept_list.status_choices(counted.by_status, q.status),
                "centres": centres,
                "matters": matters,
                "deadline_choices": dept_query.DEADLINES,
                "supervision_choices": dept_query.SUPERVISION,
                "supervised_open": counted.supervised_open,
                "supervised_link": "/dept?supervised=yes",
                "date_fields": dept_query.DATE_FIELDS,
                "date_hint": dept_query.DATE_FORMAT_HINT,
                "sort_choices": dept_query.SORTS,
            },
        )

    def render_case(
        request: Request,
        staff: HubStaff,
        csrf: str,
        case_id: uuid.UUID,
        *,
        error: str = "",
        status: int = 200,
        message: str = "",
        form: dict[str, str] | None = None,
        reveal: bool = False,
    ) -> Response:
        try:
            with hub.tx() as s:
                c = dept_case.case_view(s, staff, case_id, hub.clock(), reveal=reveal)
        except HubError as exc:
            return error_page(request, exc.status, exc.message)
        return render(
            request,
            "case.html",
            {
                "title": f"办件 {c['case_number']}",
                "staff": staff,
                "csrf": csrf,
                "c": c,
                "error": error,
                "message": message,
                "outcomes": list(departments.OUTCOME_LABELS.items()),
                "form": form or {"decision": "", "reason": "", "deferred": ""},
            },
            status=status,
        )

    @app.get("/dept/cases/{case_id}", response_model=None)
    def case_page(case_id: str, request: Request) -> Response:
        if (who := signed_in(request)) is None:
            return to_login()
        cid = _case_id(case_id)
        if cid is None:
            return error_page(request, 404, "办件地址有误：没有这个办件。请从办件列表进入")
        message = MESSAGES.get(request.query_params.get("done", ""), "")
        return render_case(request, *who, cid, message=message)

    def checked(
        request: Request, case_id: str, csrf_token: str
    ) -> tuple[HubStaff, str, uuid.UUID] | Response:
        if (who := signed_in(request)) is None:
            return to_login()
        if not form_ok(request, csrf_token):
            return forbidden(request)
        cid = _case_id(case_id)
        if cid is None:
            return error_page(request, 404, "办件地址有误：没有这个办件。请从办件列表进入")
        return (*who, cid)

    @app.post("/dept/cases/{case_id}/reveal", response_model=None)
    def reveal(
        case_id: str, request: Request, csrf_token: Annotated[str, Form(max_length=100)] = ""
    ) -> Response:
        got = checked(request, case_id, csrf_token)
        if isinstance(got, Response):
            return got
        return render_case(request, *got, reveal=True)

    @app.post("/dept/cases/{case_id}/accept", response_model=None)
    def accept(
        case_id: str,
        request: Request,
        csrf_token: Annotated[str, Form(max_length=100)] = "",
        seq: Annotated[str, Form(max_length=20)] = "",
    ) -> Response:
        got = checked(request, case_id, csrf_token)
        if isinstance(got, Response):
            return got
        staff, csrf, cid = got
        try:
            with hub.tx() as s:
                departments.accept(s, staff, cid, hub.clock(), expected_seq=_seq(seq))
        except HubError as exc:
            return render_case(request, staff, csrf, cid, error=exc.message, status=exc.status)
        return RedirectResponse(f"/dept/cases/{cid}?done=accepted", status_code=303)

    @app.post("/dept/cases/{case_id}/decide", response_model=None)
    def decide(
        case_id: str,
        request: Request,
        decision: Annotated[str, Form(max_length=30)] = "",
        reason: Annotated[str, Form(max_length=500)] = "",
        deferred: Annotated[str, Form(max_length=5000)] = "",
        seq: Annotated[str, Form(max_length=20)] = "",
        step: Annotated[str, Form(max_length=10)] = "check",
        csrf_token: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        """Three steps on one address: `check` restates the decision for confirmation (nothing is
        recorded), `edit` goes back to the form with every value kept, `confirm` records it."""
        got = checked(request, case_id, csrf_token)
        if isinstance(got, Response):
            return got
        staff, csrf, cid = got
        form = {"decision": decision, "reason": reason, "deferred": deferred, "seq": seq}
        if step == "edit":
            return render_case(request, staff, csrf, cid, form=form)
        items = _deferred_list(deferred)
        try:
            departments.check_decision(decision, reason, items)
            if step != "confirm":
                with hub.sessions() as s:
                    c = dept_case.case_view(s, staff, cid, hub.clock())
                if not c["can_decide"]:
                    raise HubError(409, f"办件当前状态为“{c['status_label']}”，不能作出决定")
                return render(
                    request,
                    "confirm.html",
                    {
                        "title": f"请核对决定：办件 {c['case_number']}",
                        "staff": staff,
                        "csrf": csrf,
                        "c": c,
                        "form": form,
                        "outcome_label": departments.OUTCOME_LABELS[decision],
                        "css": "denied" if decision == "denied" else "approved",
                        "deferred": items,
                    },
                )
            with hub.tx() as s:
                departments.decide(
                    s, staff, cid, decision, reason, items, hub.clock(), expected_seq=_seq(seq)
                )
        except HubError as exc:
            return render_case(
                request, staff, csrf, cid, error=exc.message, status=exc.status, form=form
            )
        return RedirectResponse(f"/dept/cases/{cid}?done=decided", status_code=303)


def _case_id(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _seq(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


def is_page(request: Request) -> bool:
    """A request for the staff pages (answered with HTML), not the JSON API."""
    path = request.url.path
    return any(path == p or path.startswith(p + "/") for p in ("/dept", "/district"))
