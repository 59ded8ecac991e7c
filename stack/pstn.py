"""A stand-in for the public telephone network, on the embedded stack only. Not product code.

There is no PSTN trunk (nor Asterisk) on these machines, so baresip, a
headless SIP user agent, answers every call Kamailio routes to a phone
number: it auto-answers with ICE and DTLS-SRTP like a browser, plays a
440 Hz tone and records what it hears, so a demo call really rings, answers
and carries audio in both directions.
"""

from __future__ import annotations

import socket

from stack import processes
from stack.config import StackConfig

BARESIP = "/usr/bin/baresip"
MODULE_PATH = "/usr/lib/baresip/modules"
BROWSER_MEDIA = f"""# Browsers require RTP and RTCP multiplexed on one port.
rtcp_mux yes
module_path {MODULE_PATH}
module g711.so
module opus.so
module ausine.so
module aufile.so
module stun.so
module ice.so
module srtp.so
module dtls_srtp.so
"""
"""The baresip modules (and RTCP mux) a call with a browser needs: codecs, the tone and file
audio, ICE and DTLS-SRTP. Shared with the tests' PBX stand-in (tests/support/pbx_phone.py)."""


def render_config(config: StackConfig) -> str:
    received = config.root / "pstn" / "received.wav"
    return f"""# Written by stack/pstn.py
poll_method epoll
sip_listen 127.0.0.1:{config.pstn_port}
call_max_calls 32
audio_source ausine,440
audio_player aufile,{received}
audio_alert aufile,/dev/null
{BROWSER_MEDIA}module_app account.so
"""


def render_accounts(config: StackConfig) -> str:
    return (f"<sip:pstn@127.0.0.1:{config.pstn_port}>;regint=0;answermode=auto;"
            "mediaenc=dtls_srtp;medianat=ice;audio_codecs=opus/48000/2,PCMU,PCMA\n")


def _listening(config: StackConfig) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", config.pstn_port))
        except OSError:
            return True  # taken: baresip holds it
        return False


def start(config: StackConfig) -> None:
    home = config.root / "pstn"
    home.mkdir(parents=True, exist_ok=True)
    (home / "config").write_text(render_config(config))
    (home / "accounts").write_text(render_accounts(config))
    processes.start("pstn", [BARESIP, "-f", str(home)], run_dir=config.run_dir,
                    log_dir=config.log_dir, cwd=home)
    processes.wait_for(lambda: _listening(config), what="the PSTN stand-in (baresip)",
                       log=config.log_dir / "pstn.log")


def stop(config: StackConfig) -> bool:
    return processes.stop(config.run_dir / "pstn.pid")
