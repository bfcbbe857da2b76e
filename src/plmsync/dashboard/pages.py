"""The dashboard's pages and the forms behind its buttons.

Reading needs `changes:read`; approving or rejecting a review needs `reviews:approve`;
replaying or discarding a dead letter needs `deadletters:manage` — the API's scopes, checked
the same way. A button a person may not use is not shown; posting it anyway gets 403.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plmsync.api.errors import TooManyRequests
from plmsync.api.scopes import Scope
from plmsync.api.security import limit
from plmsync.dashboard import session
from plmsync.dashboard.change_page import bom_view, change_page, preview
from plmsync.dashboard.chart import chart
from plmsync.dashboard.matrix import Filters, matrix
from plmsync.dashboard.session import Viewer, current_viewer, services_of
from plmsync.dashboard.templating import templates
from plmsync.domain.errors import PlmsyncError
from plmsync.domain.kpis import kpis
from plmsync.domain.sla import breaches, oldest_pending
from plmsync.engine.facts import FactReader
from plmsync.ports.reviews import ReviewStatus
from plmsync.remedies import remedy_for

router = APIRouter()
Signed = Annotated[Viewer, Depends(current_viewer)]
Token = Annotated[str, Form()]


def reader_of(request: Request) -> Viewer:
    viewer = current_viewer(request)
    viewer.require(Scope.CHANGES_READ)
    return viewer


Reader = Annotated[Viewer, Depends(reader_of)]


def page(request: Request, name: str, viewer: Viewer | None, **context: Any) -> HTMLResponse:
    found = services_of(request)
    counts = _counts(request) if viewer is not None else {}
    return templates.TemplateResponse(
        request,
        name,
        {
            "viewer": viewer,
            "root": request.scope.get("root_path", ""),
            "counts": counts,
            "plants": sorted(found.config.plants),
            "Scope": Scope,
            **context,
        },
    )


def _counts(request: Request) -> dict[str, int]:
    engine = services_of(request).engine
    return {
        "reviews": len(engine.reviews.tasks(status=ReviewStatus.OPEN)),
        "dead": len(engine.dead_letters("open")),
    }


def back(request: Request, path: str, notice: str = "", code: str = "") -> RedirectResponse:
    root = request.scope.get("root_path", "")
    query = f"?notice={quote(notice)}&code={quote(code)}" if notice else ""
    return RedirectResponse(f"{root}{path}{query}", status_code=303)


# --- signing in ------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", None, next=_local(next), error="")


@router.post("/login", response_model=None)
def login(
    request: Request,
    name: Annotated[str, Form()],
    secret: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    found = services_of(request)
    host = request.client.host if request.client else "unknown"
    try:
        limit(found, f"login:{host}")
    except TooManyRequests as error:
        return page(request, "login.html", None, next=_local(next), error=error.message)
    token = session.sign_in(found, name, secret)
    if token is None:
        wrong = "That name and secret do not match an active client. Ask an admin for access."
        return page(request, "login.html", None, next=_local(next), error=wrong)
    response = back(request, _local(next))
    session.keep(response, request, token)
    return response


@router.post("/logout")
def logout(request: Request, viewer: Signed, csrf: Token) -> RedirectResponse:
    viewer.check_form(csrf)
    response = back(request, "/login")
    session.forget(response)
    return response


def _local(path: str) -> str:
    """Only a path inside the dashboard: a sign-in link must not send people elsewhere."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


# --- changes ---------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def changes(
    request: Request,
    viewer: Reader,
    q: str = "",
    plant: str = "",
    state: str = "",
) -> HTMLResponse:
    filters = Filters(q, plant, state)
    return page(
        request,
        "changes.html",
        viewer,
        filters=filters,
        rows=_rows(request, filters),
        tiles=_kpis(request),
    )


def facts_of(request: Request) -> FactReader:
    """The dashboard's one reader: packages never change, so each is parsed once a process."""
    found: FactReader = request.app.state.facts
    return found


@router.get("/matrix", response_class=HTMLResponse)
def matrix_fragment(
    request: Request, viewer: Reader, q: str = "", plant: str = "", state: str = ""
) -> HTMLResponse:
    filters = Filters(q, plant, state)
    return page(request, "_matrix.html", viewer, filters=filters, rows=_rows(request, filters))


def _rows(request: Request, filters: Filters) -> list[Any]:
    found = services_of(request)
    engine = found.engine
    return matrix(engine.store, facts_of(request), found.config.sla, engine.clock.now(), filters)


@router.get("/changes/{number}", response_class=HTMLResponse)
def change(request: Request, viewer: Reader, number: str) -> HTMLResponse:
    found = services_of(request)
    shown = change_page(found.engine, facts_of(request), found.config.sla, number)
    if shown is None:
        return page(request, "missing.html", viewer, what=f"change {number}")
    return page(request, "change.html", viewer, change=shown, remedy_for=remedy_for)


@router.get("/changes/{number}/plan", response_class=HTMLResponse)
def plan_fragment(
    request: Request, viewer: Reader, number: str, plant: Annotated[str, Query()]
) -> HTMLResponse:
    found = preview(services_of(request).engine, number, plant)
    return page(request, "_plan.html", viewer, preview=found, plant=plant)


@router.get("/changes/{number}/bom", response_class=HTMLResponse)
def bom_fragment(
    request: Request, viewer: Reader, number: str, plant: Annotated[str, Query()]
) -> HTMLResponse:
    found = bom_view(services_of(request).engine, number, plant)
    return page(request, "_bom.html", viewer, view=found, plant=plant)


# --- dead letters ----------------------------------------------------------------------------


@router.get("/dead-letters", response_class=HTMLResponse)
def dead_letters(request: Request, viewer: Reader, status: str = "open") -> HTMLResponse:
    engine = services_of(request).engine
    letters = engine.dead_letters(None if status == "all" else status)
    shown = [(d, engine.store.event(d.event), _plant(request, d.job)) for d in letters]
    return page(
        request,
        "dead_letters.html",
        viewer,
        letters=shown,
        status=status,
        remedy_for=remedy_for,
        **_notice(request),
    )


def _plant(request: Request, job: int | None) -> str:
    return services_of(request).engine.store.job(job).plant if job is not None else ""


@router.post("/dead-letters/{letter}/replay")
def replay(
    request: Request,
    viewer: Signed,
    letter: int,
    csrf: Token,
    payload: Annotated[str, Form()] = "",
) -> RedirectResponse:
    viewer.check_form(csrf)
    viewer.require(Scope.DEADLETTERS_MANAGE)
    engine = services_of(request).engine
    edited = payload.encode() if payload.strip() else None
    try:
        engine.replay(letter, payload=edited, by=f"ui:{viewer.name}")
    except PlmsyncError as error:
        return back(request, "/dead-letters", str(error), error.code)
    return back(request, "/dead-letters", f"Dead letter {letter} replayed: a worker posts it now.")


@router.post("/dead-letters/{letter}/discard")
def discard(request: Request, viewer: Signed, letter: int, csrf: Token) -> RedirectResponse:
    viewer.check_form(csrf)
    viewer.require(Scope.DEADLETTERS_MANAGE)
    try:
        services_of(request).engine.discard(letter, by=f"ui:{viewer.name}")
    except PlmsyncError as error:
        return back(request, "/dead-letters", str(error), error.code)
    return back(request, "/dead-letters", f"Dead letter {letter} discarded.")


# --- reviews ---------------------------------------------------------------------------------


@router.get("/reviews", response_class=HTMLResponse)
def reviews(request: Request, viewer: Reader, status: str = "open") -> HTMLResponse:
    known = {s.value for s in ReviewStatus}
    status = status if status in known or status == "all" else ReviewStatus.OPEN.value
    wanted = None if status == "all" else ReviewStatus(status)
    tasks = services_of(request).reviews.tasks(status=wanted)
    return page(request, "reviews.html", viewer, tasks=tasks, status=status, **_notice(request))


@router.post("/reviews/{task}/{decision}")
def decide(
    request: Request,
    viewer: Signed,
    task: int,
    decision: str,
    csrf: Token,
    comment: Annotated[str, Form()] = "",
) -> RedirectResponse:
    viewer.check_form(csrf)
    viewer.require(Scope.REVIEWS_APPROVE)
    desk = services_of(request).reviews
    by = f"ui:{viewer.name}"
    try:
        if decision == "approve":
            desk.approve(task, by=by, comment=comment)
        elif decision == "reject":
            desk.reject(task, by=by, comment=comment)
        else:
            return back(request, "/reviews", f"unknown decision {decision!r}", "PLMSYNC-UI")
    except PlmsyncError as error:
        return back(request, "/reviews", str(error), error.code)
    return back(request, "/reviews", f"Review task {task}: {decision}d.")


def _notice(request: Request) -> dict[str, str]:
    code = request.query_params.get("code", "")
    return {
        "notice": request.query_params.get("notice", ""),
        "notice_code": code,
        "notice_remedy": remedy_for(code) if code else "",
    }


# --- SLA and KPIs ----------------------------------------------------------------------------


@router.get("/sla", response_class=HTMLResponse)
def sla(request: Request, viewer: Reader) -> HTMLResponse:
    found = services_of(request)
    clocks = facts_of(request).clocks()
    now = found.engine.clock.now()
    policy = found.config.sla
    return page(
        request,
        "sla.html",
        viewer,
        breaches=breaches(policy, clocks, now),
        policy=policy,
        oldest=oldest_pending(clocks, now),
        now=now,
    )


@router.get("/kpis", response_class=HTMLResponse)
def kpi_page(request: Request, viewer: Reader) -> HTMLResponse:
    found = _kpis(request)
    return page(request, "kpis.html", viewer, tiles=found, chart=chart(found.series))


def _kpis(request: Request) -> Any:
    engine = services_of(request).engine
    touch = {c: t.total for c, t in engine.touchpoints().items()}
    depth = len(engine.dead_letters("open"))
    return kpis(facts_of(request).deployments(), touch, depth, engine.clock.now())
