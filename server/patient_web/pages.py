"""Routes of the patient pages: a shell template around one fragment per page.

Pages that need data render it on the server (the invitation landing, the help pages, the list of
professions); the others load their data with the JSON API from their JavaScript module.
"""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from contracts.professions import PROFESSIONS
from server.invitations.links import InvitationLinkService
from server.kernel.errors import RateLimitedError
from server.patient_web.help_pages import BY_SLUG, HELP_PAGES
from server.patient_web.landing import invitation_main, rate_limited_main
from server.patient_web.rendering import HELP_DIR, fragment, render, template

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home() -> HTMLResponse:
    return render("Espace patient", "home", fragment("home"))


@router.get("/connexion")
async def sign_in() -> HTMLResponse:
    return render("Se connecter", "signin", fragment("signin"))


@router.get("/inscription")
async def sign_up() -> HTMLResponse:
    return render("Créer mon compte", "signup", fragment("signup"))


@router.get("/mot-de-passe-oublie")
async def forgotten_password() -> HTMLResponse:
    return render("Mot de passe oublié", "forgot", fragment("forgot"))


@router.get("/conversations")
async def conversations() -> HTMLResponse:
    return render("Mes conversations", "conversations", fragment("conversations"), signed_in=True)


@router.get("/conversations/{conversation_id}")
async def conversation(conversation_id: str) -> HTMLResponse:
    return render("Conversation", "conversation", fragment("conversation"), signed_in=True)


@router.get("/annuaire")
async def directory() -> HTMLResponse:
    options = "\n".join(
        f'<option value="{html.escape(code)}">{html.escape(label)}</option>'
        for code, label in PROFESSIONS.items()
    )
    main = template("directory.html").substitute(profession_options=options)
    return render("Trouver un praticien", "directory", main, signed_in=True)


@router.get("/i/{token}")
async def invitation(token: str, request: Request) -> HTMLResponse:
    """The invitation landing: who invites and the forms, or what happened to the link."""
    links: InvitationLinkService = request.app.state.services.invitation_links
    ip = request.client.host if request.client else None
    try:
        view = await links.inspect(token, ip)
    except RateLimitedError as exc:
        return render(
            "Trop de tentatives",
            "help",
            rate_limited_main(exc.detail),
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    title, main, status_code = invitation_main(view)
    return render(title, "invitation", main, status_code=status_code)


@router.get("/i")
async def invitation_without_token() -> RedirectResponse:
    return RedirectResponse("/aide/invitation-non-recue", status_code=303)


@router.get("/aide")
async def help_index() -> HTMLResponse:
    items = "\n".join(
        f'<li><a href="/aide/{p.slug}">{html.escape(p.title)}</a><p>{html.escape(p.summary)}</p></li>'
        for p in HELP_PAGES
    )
    main = template("help_index.html").substitute(items=items)
    return render("Aide", "help", main)


@router.get("/aide/{slug}")
async def help_page(slug: str) -> Response:
    page = BY_SLUG.get(slug)
    if page is None:
        items = "\n".join(f'<li><a href="/aide/{p.slug}">{html.escape(p.title)}</a></li>' for p in HELP_PAGES)
        main = template("help_missing.html").substitute(items=items)
        return render("Page d'aide introuvable", "help", main, status_code=404)
    body = (HELP_DIR / f"{page.slug}.html").read_text(encoding="utf-8")
    main = template("help_page.html").substitute(title=html.escape(page.title), body=body)
    return render(page.title, "help", main)
