"""The one-thread worker (`InlineThreadWorker`) handles requests in its main thread, and keeps
what gunicorn's threaded worker does for connections: a connection that sends nothing holds
no one up, connections stay alive, requests read ahead are answered in turn."""

from __future__ import annotations

import http.client
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import live


@pytest.fixture(scope="module")
def server(site: tuple[live.Site, Path]) -> Iterator[live.Server]:
    prepared, folder = site
    running = live.Server(prepared, folder, workers=1, threads=1)
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.slow
@live.own_databases
def test_connections_that_send_nothing_hold_no_request_up(server: live.Server) -> None:
    # What a browser's speculative connections do: gunicorn's sync worker would wait on the
    # first until its timeout, gthread's wait for data on a thread would take 5 s here.
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
    try:
        started = time.monotonic()
        answer = live.request(f"{server.base}/healthz", timeout=10)
        elapsed = time.monotonic() - started
    finally:
        for connection in idle:
            connection.close()
    assert answer.status == 200
    assert elapsed < 2, f"{elapsed:.1f} s behind connections that sent nothing"


@pytest.mark.slow
@live.own_databases
def test_a_connection_stays_alive_between_requests(server: live.Server) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        statuses = []
        sockets = []
        for path in ("/healthz", "/api/v1/themes", "/"):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
            sockets.append(connection.sock)
            assert not response.will_close, response.getheaders()
    finally:
        connection.close()
    assert statuses == [200, 200, 200]
    assert sockets[0] is sockets[1] is sockets[2]


@pytest.mark.slow
@live.own_databases
def test_requests_read_ahead_are_answered_in_turn(server: live.Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            b"GET /api/v1/themes HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    # Each answer's status line follows the previous answer's body.
    assert re.findall(rb"HTTP/1\.1 \d{3} [A-Za-z ]+\r\n", received) == [b"HTTP/1.1 200 OK\r\n"] * 3
    assert b'"code"' in received  # the themes' JSON between the two health answers
