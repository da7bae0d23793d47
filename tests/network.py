"""A phone's signal, for the browser tests: a TCP relay between Chromium and the live server that
a test cuts and restores. Cut, it closes every open connection and resets each new one at once,
so that nothing reaches the portal (the page, the service worker, a document as it starts):
Playwright's `context.set_offline(True)` alone lets through the first requests of a document the
service worker serves, before its emulation reaches that document."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading


class SwitchableLink:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.up = True
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            self.up = False
            for connection in self.open:
                _reset(connection)
            self.open.clear()

    def restore(self) -> None:
        with self.lock:
            self.up = True

    def close(self) -> None:
        self.cut()
        _reset(self.listener)

    def _accept(self) -> None:
        while True:
            try:
                browser, _ = self.listener.accept()
            except OSError:  # closed
                return
            with self.lock:
                if not self.up:
                    _reset(browser)
                    continue
                portal = socket.create_connection(("127.0.0.1", self.target_port))
                self.open |= {browser, portal}
            pumps = [
                threading.Thread(target=self._pump, args=(source, sink), daemon=True)
                for source, sink in ((browser, portal), (portal, browser))
            ]
            for pump in pumps:
                pump.start()
            threading.Thread(target=self._close_after, args=(pumps, browser, portal)).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)  # one side said goodbye: passed on, in order
        except OSError:  # cut, or the other side went
            pass

    def _close_after(self, pumps: list[threading.Thread], *ends: socket.socket) -> None:
        for pump in pumps:
            pump.join()
        with self.lock:
            for end in ends:
                self.open.discard(end)
                with contextlib.suppress(OSError):
                    end.close()


def _reset(connection: socket.socket) -> None:
    """Closed with a reset, as a dropped signal looks to the browser (no orderly goodbye). The
    shutdown wakes the pump blocked reading it: closing alone would leave it blocked, and the
    portal's end open."""
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        connection.close()
