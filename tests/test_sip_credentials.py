"""rpc/sip_credentials and Kamailio's auth_ephemeral: short-lived, own extension only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime

import pytest
from postgrest.exceptions import APIError

from stack.config import SIP_DOMAIN
from tests.support.sip_ws import register


def _password(secret: str, username: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
                            ).decode()


def test_an_agent_gets_credentials_for_its_own_extension(stack, sign_in):
    creds = sign_in("agent1@demo.test").rpc("sip_credentials").execute().data
    expiry, extension = creds["username"].split(":")
    assert extension == creds["extension"] == "1001"
    assert creds["domain"] == SIP_DOMAIN
    assert creds["ws_url"] == stack.sip_ws_url
    assert int(expiry) == int(datetime.fromisoformat(creds["expires_at"]).timestamp())
    assert 3500 < int(expiry) - time.time() <= 3600
    assert creds["password"] == _password(stack.sip_secret, creds["username"])


def test_kamailio_registers_the_agent_with_them(stack, sign_in):
    creds = sign_in("agent2@demo.test").rpc("sip_credentials").execute().data
    response = register(stack.sip_ws_url, SIP_DOMAIN, "1002", creds["username"],
                        creds["password"])
    assert response.status == 200, response


def test_kamailio_refuses_a_forged_password(stack, sign_in):
    creds = sign_in("agent2@demo.test").rpc("sip_credentials").execute().data
    forged = _password("not-the-secret-at-all", creds["username"])
    response = register(stack.sip_ws_url, SIP_DOMAIN, "1002", creds["username"], forged)
    assert response.status == 401


def test_kamailio_refuses_an_expired_credential(stack):
    username = f"{int(time.time()) - 60}:1003"  # rightly signed, a minute past its expiry
    response = register(stack.sip_ws_url, SIP_DOMAIN, "1003", username,
                        _password(stack.sip_secret, username))
    assert response.status == 401


def test_kamailio_refuses_credentials_for_another_extension(stack, sign_in):
    creds = sign_in("agent3@demo.test").rpc("sip_credentials").execute().data
    response = register(stack.sip_ws_url, SIP_DOMAIN, "1004", creds["username"],
                        creds["password"])
    assert response.status == 403


def test_no_registration_without_credentials(stack):
    response = register(stack.sip_ws_url, SIP_DOMAIN, "1005", "1005", "guess")
    assert response.status == 401


@pytest.mark.parametrize("email", ["supervisor1@demo.test", "admin@demo.test"])
def test_users_without_an_extension_get_a_clear_error(sign_in, email):
    with pytest.raises(APIError) as refused:
        sign_in(email).rpc("sip_credentials").execute()
    assert refused.value.code == "22023"
    assert refused.value.message.startswith("sip_extension: you have no SIP extension")


def test_anon_gets_no_credentials(anon_client):
    with pytest.raises(APIError) as refused:
        anon_client.rpc("sip_credentials").execute()
    assert refused.value.code == "42501"


def test_an_agent_cannot_take_another_extension(sign_in, db):
    with pytest.raises(APIError) as refused:
        sign_in("agent4@demo.test").table("profiles").update({"sip_extension": "1001"}).eq(
            "email", "agent4@demo.test").execute()
    assert refused.value.code == "42501"
    extension = db.execute("select sip_extension from public.profiles"
                           " where email = 'agent4@demo.test'").fetchone()[0]
    assert extension == "1004"
