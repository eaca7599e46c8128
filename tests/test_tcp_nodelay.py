"""scripts/tcp_nodelay.py: connections accepted on a listener bound as Streamlit binds it
get TCP_NODELAY once the listener has it (real sockets, real asyncio accept)."""

from __future__ import annotations

import asyncio
import socket

from scripts.tcp_nodelay import listening_tcp_sockets, nodelay_listeners


def streamlit_like_listener() -> socket.socket:
    """A listening socket made the way Streamlit 1.67 makes its own: ``proto`` left 0."""
    sock = socket.socket(socket.AF_INET)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    return sock


def accepted_nodelay(listener: socket.socket) -> int:
    """TCP_NODELAY of the connection an asyncio server accepts on ``listener``."""

    async def run() -> int:
        loop = asyncio.get_running_loop()
        seen: asyncio.Future[int] = loop.create_future()

        class Report(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await loop.create_server(Report, sock=listener)
        _reader, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()

    return asyncio.run(run())


def test_without_it_asyncio_leaves_nagle_on() -> None:
    # The reason for the module: if this starts failing, asyncio or Streamlit changed and
    # scripts/tcp_nodelay.py may no longer be needed.
    assert accepted_nodelay(streamlit_like_listener()) == 0


def test_accepted_connections_get_nodelay() -> None:
    listener = streamlit_like_listener()
    assert listener.fileno() in listening_tcp_sockets()
    assert listener.fileno() in nodelay_listeners()
    assert accepted_nodelay(listener) == 1


def test_only_listening_tcp_sockets_are_touched() -> None:
    listener = streamlit_like_listener()
    client = socket.create_connection(listener.getsockname()[:2])
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        found = listening_tcp_sockets()
        assert listener.fileno() in found
        assert client.fileno() not in found and udp.fileno() not in found
        nodelay_listeners()
        assert client.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    finally:
        client.close()
        udp.close()
        listener.close()
