"""Nagle's algorithm off for every connection the server accepts (TCP_NODELAY).

Streamlit (1.67, its uvicorn server) binds its listening socket itself, as
``socket.socket(family)``: the socket's ``proto`` stays 0, accepted connections inherit
it, and asyncio sets TCP_NODELAY only on sockets whose ``proto`` is ``IPPROTO_TCP``. With
Nagle on, a response written in two parts (headers, then body) on a reused keep-alive
connection waits for the browser's delayed ACK: about 40 ms per request on Linux, for every
script file of the page (a first visit fetches about 100 of them over 6 connections), and
for websocket messages sent close together. Linux copies TCP_NODELAY from a listening socket
to the connections it accepts, so setting it on the listeners is enough.
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path


def _fd_folder() -> Path | None:
    for folder in (Path("/proc/self/fd"), Path("/dev/fd")):
        if folder.is_dir():
            return folder
    return None


def listening_tcp_sockets() -> list[int]:
    """File descriptors of this process's listening TCP sockets (IPv4 and IPv6)."""
    folder = _fd_folder()
    if folder is None:
        return []
    found = []
    for name in os.listdir(folder):
        fd = int(name)
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            with socket.socket(fileno=os.dup(fd)) as sock:  # a copy: closing it keeps fd
                if (
                    sock.family in (socket.AF_INET, socket.AF_INET6)
                    and sock.type == socket.SOCK_STREAM
                    and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
                ):
                    found.append(fd)
        except OSError:  # closed meanwhile, or not a socket we can inspect
            continue
    return found


def nodelay_listeners() -> list[int]:
    """Set TCP_NODELAY on this process's listening TCP sockets (the connections they accept
    from then on inherit it); returns their file descriptors."""
    done = []
    for fd in listening_tcp_sockets():
        try:
            with socket.socket(fileno=os.dup(fd)) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            done.append(fd)
        except OSError:
            continue
    return done
