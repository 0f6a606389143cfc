"""The OpenID Connect client of both logins: staff single sign-on and patients' e-ID.

Staff and patients sign in at two different providers (the region's IdP,
e.g. Inera's with SITHS cards; the region's e-identification broker for
BankID and Freja eID), each configured in ``settings.PAINREG_OIDC[who]``
(``who`` is ``"staff"`` or ``"patient"``; environment variables
``PAINREG_OIDC_STAFF_*`` and ``PAINREG_OIDC_PATIENT_*``, docs/operations.md).

Authlib's Django client does the protocol: discovery, the authorization code
flow with PKCE (S256), ``state`` and ``nonce`` kept in the session, the
token request with the client secret, and the ID token's signature (the
provider's JWKS), issuer, audience, expiry and nonce. Here, on top:

* the assurance level: the ``acr`` of the ID token must be one the operator
  accepts (``ACR``); the first is asked for with ``acr_values``;
* the person's identifier: the claim ``CLAIM`` of the ID token, or of the
  userinfo endpoint when the ID token leaves it out;
* the ID token is kept for RP-initiated logout (``end_session_endpoint``).

Nothing of this decides what a person may see: staff memberships stay in
painreg, and a patient's e-ID only stands in for the date-of-birth check.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from joserfc.errors import JoseError

STAFF = "staff"
PATIENT = "patient"
#: The ID token of a staff login through the provider, kept for its logout.
SESSION_ID_TOKEN = "sso_id_token"


class LoginRefused(Exception):
    """The provider's answer cannot be used; ``reason`` names why (for the page and the log)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, at which assurance level."""

    subject: str
    identifier: str
    acr: str
    id_token: str


def configured(who: str) -> bool:
    """Whether this login is offered (its provider's issuer is set)."""
    return bool(_config(who))


def _config(who: str) -> dict[str, Any] | None:
    return (getattr(settings, "PAINREG_OIDC", None) or {}).get(who)


@functools.lru_cache(maxsize=8)
def _client(who: str, frozen: str) -> Any:
    # One authlib registry per configuration (tests change the settings).
    config = json.loads(frozen)
    oauth = OAuth()
    return oauth.register(
        who,
        client_id=config["CLIENT_ID"],
        client_secret=config["CLIENT_SECRET"],
        server_metadata_url=config["ISSUER"] + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": config["SCOPES"],
            "code_challenge_method": "S256",
            # every request to the provider (discovery, keys, token, userinfo)
            "default_timeout": 10,
        },
    )


def client(who: str) -> Any:
    config = _config(who)
    if not config:
        raise LookupError(f"no OpenID provider configured for {who}")
    return _client(who, json.dumps(config, sort_keys=True))


def redirect_to_provider(request: HttpRequest, who: str, callback_url: str) -> HttpResponse:
    """Send the browser to the provider's sign-in, asking for the first accepted ``acr``."""
    config = _config(who) or {}
    extra = {"acr_values": config["ACR"][0]} if config.get("ACR") else {}
    try:
        return client(who).authorize_redirect(
            request, request.build_absolute_uri(callback_url), **extra
        )
    except (OSError, ValueError, OAuthError) as exc:
        # The provider's discovery document could not be read (down, misconfigured).
        raise LoginRefused("provider_unreachable", str(exc)) from exc


def identity_from_callback(request: HttpRequest, who: str) -> Identity:
    """Exchange the code of the provider's answer and check what it says.

    Raises :class:`LoginRefused` with ``reason`` one of ``cancelled`` (the
    person cancelled, or the provider answered an error), ``invalid`` (no
    valid ID token: state, signature, nonce...), ``wrong_acr``,
    ``no_identifier`` or ``provider_unreachable``.
    """
    config = _config(who) or {}
    app = client(who)
    if request.GET.get("error"):
        raise LoginRefused("cancelled", request.GET.get("error", "")[:100])
    try:
        token = app.authorize_access_token(request)
    except OAuthError as exc:
        raise LoginRefused("invalid", f"{exc.error}: {exc.description}"[:200]) from exc
    except JoseError as exc:
        raise LoginRefused("invalid", str(exc)[:200]) from exc
    except OSError as exc:
        raise LoginRefused("provider_unreachable", str(exc)[:200]) from exc
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise LoginRefused("invalid", "no ID token")
    acr = str(claims.get("acr") or "")
    if acr not in config.get("ACR", []):
        raise LoginRefused("wrong_acr", acr or "(none)")
    claim = config["CLAIM"]
    identifier = claims.get(claim)
    if identifier is None and app.load_server_metadata().get("userinfo_endpoint"):
        try:
            extra = app.userinfo(token=token)
        except (OAuthError, OSError) as exc:
            raise LoginRefused("provider_unreachable", str(exc)[:200]) from exc
        if extra.get("sub") == claims.get("sub"):
            identifier = extra.get(claim)
    if not identifier or not isinstance(identifier, str):
        raise LoginRefused("no_identifier", claim)
    return Identity(
        subject=str(claims.get("sub", "")),
        identifier=identifier.strip(),
        acr=acr,
        id_token=token["id_token"],
    )


def logout_redirect(
    request: HttpRequest, who: str, id_token: str, after_url: str
) -> HttpResponse | None:
    """The provider's end-session redirect (RP-initiated logout), or None when it has none."""
    if not configured(who) or not id_token:
        return None
    app = client(who)
    try:
        if not app.load_server_metadata().get("end_session_endpoint"):
            return None
        return app.logout_redirect(
            request,
            post_logout_redirect_uri=request.build_absolute_uri(after_url),
            id_token_hint=id_token,
        )
    except (OSError, ValueError, OAuthError):
        return None
