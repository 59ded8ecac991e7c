"""Kamailio: the SIP-over-WebSocket registrar and proxy the webphones talk to.

Agents register over WebSocket with ephemeral credentials (auth_ephemeral:
username `<unix expiry>:<extension>`, password base64(HMAC-SHA1(secret,
username))) that rpc/sip_credentials() issues; no password is stored anywhere
and registration is never open. A credential is good only for its own
extension (autheph_check_to on REGISTER, autheph_check_from on calls).
Calls to an extension go to its registered webphone; calls to a phone number
go to the PSTN, which on the embedded stack is the baresip stand-in
(stack/pstn.py), and only for a call the CRM started: the INVITE must carry
(X-CRM-Call-Id) a call that rpc/start_call made, still `calling`, of the
authenticated extension, to the dialled number. Kamailio asks the database
(private.sip_authorize_invite, as its own role crm_sip_proxy) and refuses
anything else with a 403 whose reason is the database's; when the database
cannot answer, the call is refused too (503).

The PBX (Asterisk) is trusted by address, 127.0.0.1:<pbx_port>, as the PSTN
trunk is: the dialer's nailed-up call to an agent (issue 16) comes from it,
carrying X-CRM-Dialer-Session, the agent's open session, which the webphone
answers by itself. Only the PBX may send that header: a new request carrying
it from anyone else (an agent's webphone calling a colleague) is refused, and
it is removed from every in-dialog request (the webphone acts on it only in a
new INVITE).
"""

from __future__ import annotations

import socket
import subprocess

from stack import processes
from stack.config import SIP_DOMAIN, SIP_PROXY_ROLE, StackConfig

KAMAILIO = "/usr/sbin/kamailio"
MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules"

# How long a Kamailio worker may wait for the database on one INVITE (seconds): it
# blocks while it waits, and Kamailio has few workers. The role's own
# statement_timeout (2 s, migration 20261204006000) stops the query server-side.
DB_TIMEOUT = 2

# The question route[CRM_CALL] asks (pv format: Kamailio writes the values in; it has
# checked that none holds a quote): the authenticated extension, the X-CRM-Call-Id header,
# the dialled number. The answer is 1 and null, or 0 and why not: allowing takes an explicit 1,
# so an odd answer (no row, a null) refuses.
AUTHORIZE_INVITE = ("select (r is null)::integer, r"
                    " from private.sip_authorize_invite('$fU', '$var(crm_call)', '$rU') as r")


def render(config: StackConfig) -> str:
    return f"""#!KAMAILIO
# Written by stack/kamailio.py; changes are overwritten at the next `up`.

debug=2
log_stderror=yes
log_facility=LOG_LOCAL0
children=2
tcp_children=2
auto_aliases=no
listen=udp:127.0.0.1:{config.sip_udp_port}
listen=tcp:127.0.0.1:{config.sip_ws_port}
alias="{SIP_DOMAIN}"
tcp_accept_no_cl=yes
tcp_connection_lifetime=3605

mpath="{MODULES}/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "sanity.so"
loadmodule "nathelper.so"
loadmodule "xhttp.so"
loadmodule "websocket.so"
loadmodule "xlog.so"
loadmodule "auth.so"
loadmodule "auth_ephemeral.so"
loadmodule "db_postgres.so"
loadmodule "sqlops.so"

modparam("auth_ephemeral", "secret", "{config.sip_secret}")
modparam("registrar", "max_expires", 600)
modparam("usrloc", "db_mode", 0)
modparam("nathelper|registrar", "received_avp", "$avp(RECEIVED)")
modparam("tm", "fr_inv_timer", 30000)

# The CRM's database, as crm_sip_proxy: it may run private.sip_authorize_invite, nothing else.
# A query or a connection attempt gives up after {DB_TIMEOUT} s; one retry after a broken
# connection (the database restarted), no more, so a worker is never held for long.
modparam("db_postgres", "timeout", {DB_TIMEOUT})
modparam("db_postgres", "con_param", "connect_timeout={DB_TIMEOUT}")
modparam("db_postgres", "retries", 1)
modparam("sqlops", "sqlcon", "crm=>postgres://{SIP_PROXY_ROLE}:{config.db_password}@127.0.0.1:{config.pg_port}/postgres")

request_route {{
    if (!mf_process_maxfwd_header("10")) {{
        sl_send_reply("483", "Too Many Hops");
        exit;
    }}
    if (!sanity_check("17895", "7")) {{
        exit;
    }}

    # Browsers sit behind WebSocket with *.invalid contacts: alias them.
    if (nat_uac_test("64")) {{
        force_rport();
        if (is_method("REGISTER")) {{
            fix_nated_register();
        }} else if (!add_contact_alias()) {{
            sl_send_reply("400", "Bad Request");
            exit;
        }}
    }}

    if (has_totag()) {{
        # The PBX's in-dialog requests come from its own media port, not the trusted one:
        # a header the webphone acts on only in a new INVITE has no business here.
        if (is_present_hf("X-CRM-Dialer-Session")) {{
            remove_hf("X-CRM-Dialer-Session");
        }}
        if (loose_route()) {{
            handle_ruri_alias();
            route(RELAY);
        }}
        if (is_method("ACK") && t_check_trans()) {{
            route(RELAY);
        }}
        if (!is_method("ACK")) {{
            sl_send_reply("404", "Not here");
        }}
        exit;
    }}

    if (is_method("CANCEL")) {{
        if (t_check_trans()) {{
            route(RELAY);
        }}
        exit;
    }}
    t_check_trans();
    remove_hf("Route");
    if (is_method("INVITE")) {{
        record_route();
    }}

    route(AUTH);

    # The webphone auto-answers an INVITE carrying its own dialer session: only the PBX,
    # trusted by address, may send one (an agent must not open a colleague's microphone).
    if (is_present_hf("X-CRM-Dialer-Session")
            && !($proto == "udp" && $si == "127.0.0.1" && $sp == {config.pbx_port})) {{
        xlog("L_NOTICE", "crm-dialer-session refused from $si:$sp ($proto) to=$rU\n");
        sl_send_reply("403", "Forbidden: only the PBX places dialer calls");
        exit;
    }}

    if (is_method("REGISTER")) {{
        if (!save("location")) {{
            sl_reply_error();
        }}
        exit;
    }}

    # An extension: the agent's registered webphone.
    if ($rU =~ "^[0-9]{{3,6}}$") {{
        if (!lookup("location")) {{
            sl_send_reply("480", "Temporarily Unavailable");
            exit;
        }}
        route(RELAY);
    }}

    # A phone number (E.164 without its +): the PSTN, for a call the CRM started.
    if ($rU =~ "^[1-9][0-9]{{6,14}}$") {{
        route(CRM_CALL);
        route(PSTN);
    }}

    sl_send_reply("404", "Not Found");
    exit;
}}

# Webphones (WebSocket) prove who they are; the PSTN trunk and the PBX are trusted by address.
route[AUTH] {{
    if ($proto == "ws" || $proto == "wss") {{
        if (!autheph_check("{SIP_DOMAIN}")) {{
            auth_challenge("{SIP_DOMAIN}", "0");
            exit;
        }}
        if (is_method("REGISTER")) {{
            if (!autheph_check_to()) {{
                sl_send_reply("403", "Forbidden: credentials of another extension");
                exit;
            }}
        }} else if (!autheph_check_from()) {{
            sl_send_reply("403", "Forbidden: credentials of another extension");
            exit;
        }}
        consume_credentials();
        return;
    }}
    if ($si == "127.0.0.1" && $sp == {config.pstn_port}) {{
        return;
    }}
    if ($proto == "udp" && $si == "127.0.0.1" && $sp == {config.pbx_port}) {{
        return;
    }}
    sl_send_reply("403", "Forbidden");
    exit;
}}

# The CRM's dialing rules (do-not-call, calling hours, attempts) are applied by rpc/start_call,
# which makes the call row. So the PSTN gets only an INVITE from an agent's webphone carrying
# (X-CRM-Call-Id) such a call, still calling, of this extension, to this number: the database
# decides (private.sip_authorize_invite), and its reason goes back in the 403. Calls between
# extensions (above) need no CRM call: they never leave the building.
route[CRM_CALL] {{
    if (!is_method("INVITE") || !($proto == "ws" || $proto == "wss")) {{
        sl_send_reply("403", "Forbidden: only an agent's call goes to the PSTN");
        exit;
    }}
    # The PBX reads the header too: exactly one, the one checked here.
    if ($hdrc(X-CRM-Call-Id) > 1) {{
        sl_send_reply("403", "Forbidden: more than one CRM call id");
        exit;
    }}
    $var(crm_call) = "";
    if (is_present_hf("X-CRM-Call-Id")) {{
        $var(crm_call) = $hdr(X-CRM-Call-Id);
    }}
    # The values are written into the SQL text, and sqlops escapes quotes the MySQL way, not
    # PostgreSQL's: only characters that need no escaping get there. The database judges the rest.
    if (!($var(crm_call) =~ "^[0-9A-Za-z-]{{0,64}}$")) {{
        sl_send_reply("403", "Forbidden: malformed CRM call id");
        exit;
    }}
    # autheph_check_from (route[AUTH]) made the From user the credential's own extension.
    if (!($fU =~ "^[0-9]{{3,6}}$")) {{
        sl_send_reply("403", "Forbidden: no authenticated extension");
        exit;
    }}
    # No answer from the database (down, slow, refused) is no permission: fail closed.
    if (sql_query("crm", "{AUTHORIZE_INVITE}", "crm_auth") != 1) {{
        xlog("L_ERR", "crm-authorize failed: the database did not answer, call=$var(crm_call)\n");
        sl_send_reply("503", "CRM check unavailable");
        exit;
    }}
    $var(crm_allowed) = $dbr(crm_auth=>[0,0]);
    $var(crm_reason) = $dbr(crm_auth=>[0,1]);
    sql_result_free("crm_auth");
    if ($var(crm_allowed) != 1) {{
        xlog("L_NOTICE", "crm-refused ext=$fU to=$rU call=$var(crm_call): $var(crm_reason)\n");
        sl_send_reply("403", "Forbidden: $var(crm_reason)");
        exit;
    }}
}}

# The PSTN of the embedded stack: baresip answers every number (stack/pstn.py),
# except the test lines a person or a test can dial for the unhappy paths:
# numbers ending in 0486 are busy, in 0480 unreachable, in 0408 never answer.
route[PSTN] {{
    # What Asterisk's dialplan would read from the INVITE (workers/ami_bridge/__init__.py):
    # logged so that tests can check what the PBX would have been told.
    xlog("L_NOTICE", "crm-invite to=$rU call=$hdr(X-CRM-Call-Id) record=$hdr(X-CRM-Record)\n");
    if ($rU =~ "0486$") {{
        sl_send_reply("486", "Busy Here");
        exit;
    }}
    if ($rU =~ "0480$") {{
        sl_send_reply("480", "Temporarily Unavailable");
        exit;
    }}
    if ($rU =~ "0408$") {{
        sl_send_reply("180", "Ringing");
        t_set_fr(15000, 2000);
        $du = "sip:127.0.0.1:9";
        route(RELAY);
    }}
    # baresip has one account, `pstn`, that answers for every number.
    $rU = "pstn";
    $du = "sip:127.0.0.1:{config.pstn_port}";
    route(RELAY);
}}

route[RELAY] {{
    if (is_method("INVITE")) {{
        t_on_reply("REPLY");
    }}
    if (!t_relay()) {{
        sl_reply_error();
    }}
    exit;
}}

onreply_route[REPLY] {{
    if (nat_uac_test("64")) {{
        add_contact_alias();
    }}
}}

event_route[xhttp:request] {{
    if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {{
        if (ws_handle_handshake()) {{
            exit;
        }}
    }}
    xhttp_reply("404", "Not Found", "", "");
}}
"""


def _listening(config: StackConfig) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", config.sip_ws_port)) == 0


def start(config: StackConfig) -> None:
    conf = config.root / "kamailio" / "kamailio.cfg"
    conf.parent.mkdir(parents=True, exist_ok=True)
    pid_file = config.run_dir / "kamailio.pid"
    text = render(config)
    if processes.read_pid(pid_file):
        if conf.read_text() == text:
            return
        processes.stop(pid_file)  # Kamailio cannot reload its routing: restart
    conf.write_text(text)
    conf.chmod(0o600)  # it holds the SIP secret
    check = subprocess.run([KAMAILIO, "-c", "-f", str(conf)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"kamailio.cfg does not parse:\n{check.stderr}")
    # -DD: stay in the foreground, so the PID we keep is Kamailio's main process.
    processes.start("kamailio", [KAMAILIO, "-DD", "-E", "-f", str(conf)],
                    run_dir=config.run_dir, log_dir=config.log_dir)
    processes.wait_for(lambda: _listening(config), what="Kamailio",
                       log=config.log_dir / "kamailio.log")


def stop(config: StackConfig) -> bool:
    return processes.stop(config.run_dir / "kamailio.pid")
