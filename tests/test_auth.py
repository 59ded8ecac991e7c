"""The Auth stand-in through the gateway, with the official client: GoTrue's contract."""

from __future__ import annotations

import uuid

import httpx
import jwt
import pytest
from supabase_auth.errors import AuthApiError

from stack.config import DEMO_PASSWORD


def test_sign_in_issues_the_session_and_claims_supabase_auth_issues(stack, sign_in):
    client = sign_in("agent1@demo.test", fresh=True)
    session = client.auth.get_session()
    assert session.token_type == "bearer"
    assert session.expires_in == 3600
    assert session.user.email == "agent1@demo.test"
    claims = jwt.decode(session.access_token, stack.jwt_secret, algorithms=["HS256"],
                        audience="authenticated")
    assert claims["role"] == "authenticated"
    assert claims["sub"] == session.user.id
    assert claims["iss"] == f"{stack.url}/auth/v1"
    assert claims["aal"] == "aal1"
    assert claims["amr"][0]["method"] == "password"
    assert uuid.UUID(claims["session_id"])
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["app_metadata"]["provider"] == "email"


@pytest.mark.parametrize("email", ["agent1@demo.test", "nobody@demo.test"])
def test_wrong_credentials_are_refused_with_invalid_credentials(anon_client, email):
    with pytest.raises(AuthApiError) as refused:
        anon_client.auth.sign_in_with_password({"email": email, "password": "wrong-password"})
    assert refused.value.status == 400
    assert refused.value.code == "invalid_credentials"
    assert refused.value.message == "Invalid login credentials"


def test_wrong_password_raw_shape_is_gotrues(stack):
    """Without the API-version header: GoTrue's legacy shape, with OAuth2's invalid_grant."""
    response = httpx.post(
        f"{stack.url}/auth/v1/token?grant_type=password",
        headers={"apikey": stack.anon_key},
        json={"email": "agent1@demo.test", "password": "wrong"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "error_code": "invalid_credentials",
        "msg": "Invalid login credentials",
        "error": "invalid_grant",
        "error_description": "Invalid login credentials",
    }


def test_the_gateway_wants_an_api_key(stack):
    missing = httpx.post(f"{stack.url}/auth/v1/token?grant_type=password",
                         json={"email": "agent1@demo.test", "password": DEMO_PASSWORD})
    assert missing.status_code == 401
    assert missing.json() == {"message": "No API key found in request"}
    forged = httpx.get(f"{stack.url}/rest/v1/profiles", headers={"apikey": "not-a-key"})
    assert forged.status_code == 401
    assert forged.json() == {"message": "Invalid authentication credentials"}


def test_open_sign_up_is_off(anon_client):
    with pytest.raises(AuthApiError) as refused:
        anon_client.auth.sign_up({"email": "intruder@demo.test", "password": "whatever-123"})
    assert refused.value.status == 422
    assert refused.value.code == "signup_disabled"


def test_refresh_rotates_and_an_old_refresh_token_is_refused(sign_in):
    client = sign_in("agent2@demo.test", fresh=True)
    first = client.auth.get_session().refresh_token
    rotated = client.auth.refresh_session(first).session
    assert rotated.refresh_token != first
    assert rotated.user.email == "agent2@demo.test"

    with pytest.raises(AuthApiError) as refused:
        client.auth.refresh_session(first)
    assert refused.value.code == "refresh_token_already_used"
    # Reuse means a copy is out there: the whole session ends, its new token too.
    with pytest.raises(AuthApiError) as ended:
        client.auth.refresh_session(rotated.refresh_token)
    assert ended.value.code == "refresh_token_not_found"


def test_unknown_refresh_token_is_refused(anon_client):
    with pytest.raises(AuthApiError) as refused:
        anon_client.auth.refresh_session("no-such-token")
    assert refused.value.code == "refresh_token_not_found"


def test_get_user_and_logout(sign_in):
    client = sign_in("agent3@demo.test", fresh=True)
    token = client.auth.get_session().access_token
    assert client.auth.get_user(token).user.email == "agent3@demo.test"
    refresh = client.auth.get_session().refresh_token
    # This session only: a global sign-out would also end the sessions other tests keep for
    # the same account, and the API refuses ended sessions.
    client.auth.sign_out({"scope": "local"})
    with pytest.raises(AuthApiError) as gone:
        client.auth.get_user(token)
    assert gone.value.code == "session_not_found"
    with pytest.raises(AuthApiError):
        client.auth.refresh_session(refresh)


def test_user_can_change_own_password_and_metadata(stack, sign_in, service_client):
    created = service_client.auth.admin.create_user(
        {"email": "pw-change@demo.test", "password": "first-password", "email_confirm": True})
    try:
        client = sign_in("pw-change@demo.test", "first-password", fresh=True)
        client.auth.update_user({"password": "second-password", "data": {"theme": "dark"}})
        again = sign_in("pw-change@demo.test", "second-password", fresh=True)
        assert again.auth.get_session().user.user_metadata["theme"] == "dark"
        with pytest.raises(AuthApiError):
            sign_in("pw-change@demo.test", "first-password", fresh=True)
    finally:
        service_client.auth.admin.delete_user(created.user.id)


class TestAdminUserApi:
    def test_service_role_manages_users_and_profiles_follow(self, service_client, db):
        created = service_client.auth.admin.create_user({
            "email": "new.agent@demo.test", "password": "agent-password-1",
            "email_confirm": True, "app_metadata": {"role": "supervisor"},
            "user_metadata": {"full_name": "Nueva Supervisora"},
        }).user
        try:
            profile = db.execute("select email, full_name, role::text from public.profiles"
                                 " where id = %s", (created.id,)).fetchone()
            assert profile == ("new.agent@demo.test", "Nueva Supervisora", "supervisor")
            fetched = service_client.auth.admin.get_user_by_id(created.id).user
            assert fetched.email == "new.agent@demo.test"
            listed = service_client.auth.admin.list_users(page=1, per_page=1000)
            assert "new.agent@demo.test" in {u.email for u in listed}

            service_client.auth.admin.update_user_by_id(
                created.id, {"email": "renamed.agent@demo.test"})
            email = db.execute("select email from public.profiles where id = %s",
                               (created.id,)).fetchone()[0]
            assert email == "renamed.agent@demo.test"

            with pytest.raises(AuthApiError) as taken:
                service_client.auth.admin.create_user(
                    {"email": "agent1@demo.test", "password": "whatever-123"})
            assert taken.value.code == "email_exists"
        finally:
            service_client.auth.admin.delete_user(created.id)
        assert db.execute("select count(*) from public.profiles where id = %s",
                          (created.id,)).fetchone()[0] == 0

    def test_a_banned_user_cannot_sign_in(self, service_client, sign_in):
        user = service_client.auth.admin.create_user(
            {"email": "banned@demo.test", "password": "banned-password", "email_confirm": True}
        ).user
        try:
            sign_in("banned@demo.test", "banned-password", fresh=True)
            service_client.auth.admin.update_user_by_id(user.id, {"ban_duration": "24h"})
            with pytest.raises(AuthApiError) as refused:
                sign_in("banned@demo.test", "banned-password", fresh=True)
            assert refused.value.code == "user_banned"
        finally:
            service_client.auth.admin.delete_user(user.id)

    @pytest.mark.parametrize("who", ["admin@demo.test", "agent1@demo.test", None])
    def test_admin_api_is_refused_to_non_service_callers(self, stack, sign_in, who):
        token = sign_in(who).auth.get_session().access_token if who else stack.anon_key
        headers = {"apikey": stack.anon_key, "Authorization": f"Bearer {token}"}
        for method, path, body in [
            ("GET", "/auth/v1/admin/users", None),
            ("POST", "/auth/v1/admin/users", {"email": "x@demo.test", "password": "xxxxxxxx"}),
            ("DELETE", "/auth/v1/admin/users/00000000-0000-4000-a000-000000000101", None),
        ]:
            response = httpx.request(method, f"{stack.url}{path}", headers=headers, json=body)
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["error_code"] == "not_admin"
