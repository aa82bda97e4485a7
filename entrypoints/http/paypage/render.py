"""How the payment page renders: Jinja templates (autoescaped, strict about undefined
names) and the context every page shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from adapters.gateways.fake_customers import TEST_CARD_NUMBERS
from domain.money import Money
from entrypoints.http.paypage.forms import format_money
from entrypoints.http.paypage.safety import ASSETS_PATH, csrf_for_page
from entrypoints.settings import Settings

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _card_number(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    env.filters["money"] = format_money
    env.filters["major"] = lambda amount, currency: Money(amount, currency).in_major_units()
    env.filters["card_number"] = _card_number
    return TemplateConfig(instance=JinjaTemplateEngine(engine_instance=env))


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.container.settings()
    return settings


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    token: str | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    """A page; with a valid link's `token`, its navigation and the forms' CSRF proof. What
    Stripe.js needs (`stripe`, `publishable_key`, `return_url`) is there for every page
    that may load it."""
    settings = settings_of(request)
    proof, cookie = csrf_for_page(request, settings, token) if token else ("", None)
    shared = {
        "base": f"/pay/{token}" if token else None,
        "csrf": proof,
        "assets": ASSETS_PATH,
        "test_mode": settings.gateway == "fake",
        "test_cards": TEST_CARD_NUMBERS,
        "stripe": settings.gateway == "stripe",
        "publishable_key": settings.stripe_publishable_key or "",
        "return_url": f"{settings.base_url}/pay/{token}/return" if token else None,
        "current": context.pop("current", ""),
        "merchant_name": context.pop("merchant_name", ""),
    }
    return Template(
        template_name=template,
        context={**shared, **context},
        status_code=status,
        cookies=[cookie] if cookie else [],
        headers=headers or {},
        media_type="text/html",
    )
