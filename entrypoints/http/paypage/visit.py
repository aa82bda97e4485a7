"""One request to a page of a valid link: what every page handler works from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from application.portal.authenticate import PortalSession
from entrypoints.http.paypage.forms import read_form
from entrypoints.http.paypage.render import page, settings_of
from entrypoints.http.paypage.safety import check_csrf
from entrypoints.settings import Settings


@dataclass(frozen=True, slots=True)
class PageVisit:
    request: Request[Any, Any, Any]
    token: str  # the link's, from the path
    session: PortalSession

    @property
    def settings(self) -> Settings:
        return settings_of(self.request)

    def render(self, template: str, *, status: int = 200, **context: Any) -> Template:
        """`template` as a page of this link (its navigation, the forms' CSRF proof)."""
        return page(self.request, template, token=self.token, status=status, **context)

    async def form(self) -> dict[str, str]:
        """The posted form, once its CSRF proof is checked (FormExpiredError otherwise)."""
        form = await read_form(self.request)
        check_csrf(self.request, self.settings, self.token, form)
        return form


async def provide_visit(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    portal_session: NamedDependency[PortalSession],
) -> PageVisit:
    """The `visit` dependency: the link checked (`portal_session`) and the request."""
    return PageVisit(request, token, portal_session)
