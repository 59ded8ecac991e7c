"""Kamailio: the SIP-over-WebSocket registrar and proxy the webphones talk to.

Agents register over WebSocket with ephemeral credentials (auth_ephemeral:
username `<unix expiry>:<extension>`, password base64(HMAC-SHA1(secret,
username))) that rpc/sip_credentials() issues; no password is stored anywhere
and registration is never open. A credential is good only for its own
extension (autheph_check_to on REGISTER, autheph_check_from on calls).
Calls to an extension go to its registered webphone; calls to a phone number
go to the PSTN, which on the embedded stack is the baresip stand-in
(stack/pstn.py).
"""

from __future__ import annotations

import socket
import subprocess

from stack import processes
from stack.config import SIP_DOMAIN, StackConfig

KAMAILIO = "/usr/sbin/kamailio"
MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules"


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

modparam("auth_ephemeral", "secret", "{config.sip_secret}")
modparam("registrar", "max_expires", 600)
modparam("usrloc", "db_mode", 0)
modparam("nathelper|registrar", "received_avp", "$avp(RECEIVED)")
modparam("tm", "fr_inv_timer", 30000)

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

    # A phone number (E.164 digits): the PSTN.
    if ($rU =~ "^[1-9][0-9]{{7,14}}$") {{
        route(PSTN);
    }}

    sl_send_reply("404", "Not Found");
    exit;
}}

# Webphones (WebSocket) prove who they are; the PSTN trunk is trusted by address.
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
    sl_send_reply("403", "Forbidden");
    exit;
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
