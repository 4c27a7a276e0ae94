"""The Jupyter server extension, in a real server: kernel WebSockets without Nagle's delay.

The socket option is read from the server process itself (pidfd_getfd on the server's
end of the test's own kernel WebSocket), with the extension enabled as installed and
with it disabled in the server's config.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import socket
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
from browser import LOOPBACK, JupyterServer
from websockets.sync.client import connect

#: pidfd_getfd(2): the same number on every Linux architecture (new syscalls share it).
PIDFD_GETFD = 438


def server_socket(pid: int, port: int, peer_port: int) -> int:
    """The descriptor, in process `pid`, of its end of the TCP connection
    127.0.0.1:`port` <- 127.0.0.1:`peer_port`."""
    wanted = f"0100007F:{port:04X}", f"0100007F:{peer_port:04X}"
    inode = None
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if (fields[1], fields[2]) == wanted:
            inode = fields[9]
    assert inode is not None, f"no connection {wanted} in process {pid}"
    for fd in os.listdir(f"/proc/{pid}/fd"):
        if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
            return int(fd)
    raise AssertionError(f"process {pid} holds no descriptor for socket {inode}")


def nodelay(pid: int, fd: int) -> bool:
    """TCP_NODELAY of descriptor `fd` of process `pid`."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        copy = libc.syscall(PIDFD_GETFD, pidfd, fd, 0)
        if copy < 0:
            err = ctypes.get_errno()
            reason = f"pidfd_getfd: {errno.errorcode.get(err, err)}"
            if os.environ.get("CI") != "true" and err in (errno.EPERM, errno.ENOSYS):
                pytest.skip(f"this system does not let a test read its child's socket ({reason})")
            raise AssertionError(reason)
    finally:
        os.close(pidfd)
    with socket.socket(fileno=copy) as sock:
        return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def kernel_info(ws) -> None:  # noqa: ANN001 - a websockets ClientConnection
    """One request and its reply: the server has opened and connected the WebSocket."""
    session = uuid.uuid4().hex
    request = {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "kernel_info_request",
            "session": session,
            "username": "test",
            "date": "",
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {},
        "channel": "shell",
        "buffers": [],
    }
    ws.send(json.dumps(request))
    while True:
        reply = json.loads(ws.recv(timeout=60))
        answered = reply["parent_header"].get("msg_id") == request["header"]["msg_id"]
        if answered and reply["msg_type"] == "kernel_info_reply":
            return


@pytest.mark.skipif(sys.platform != "linux", reason="reads the socket through Linux's /proc")
@pytest.mark.parametrize("enabled", [True, False], ids=["installed", "disabled"])
def test_kernel_websockets_send_without_nagle(enabled: bool) -> None:
    server = JupyterServer("lab")
    if not enabled:
        config = server.root / ".config"
        config.mkdir(exist_ok=True)
        disabled = {"ServerApp": {"jpserver_extensions": {"cartesia_widget": False}}}
        (config / "jupyter_server_config.json").write_text(json.dumps(disabled))
    server.start()
    try:
        base = f"127.0.0.1:{server.port}/api/kernels"
        created = urllib.request.Request(
            f"http://{base}?token={server.token}", data=b"{}", method="POST"
        )
        kernel = json.load(LOOPBACK.open(created))["id"]
        url = f"ws://{base}/{kernel}/channels?token={server.token}"
        with connect(url, proxy=None, max_size=None) as ws:
            kernel_info(ws)
            assert server.proc is not None
            fd = server_socket(server.proc.pid, server.port, ws.socket.getsockname()[1])
            assert nodelay(server.proc.pid, fd) is enabled
    finally:
        server.stop()


def test_importing_the_package_is_cheap_and_every_public_name_resolves() -> None:
    """The server extension imports the package: that must not load the widget stack."""
    probe = (
        "import sys, cartesia_widget as cw\n"
        "heavy = [m for m in ('numpy', 'ipywidgets', 'anywidget', 'IPython', 'cartesia')"
        " if m in sys.modules]\n"
        "missing = [n for n in cw.__all__ if getattr(cw, n, None) is None]\n"
        "print(heavy, missing)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[] []"
