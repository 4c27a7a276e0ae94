"""The player made ahead (spare_player.py) in a real kernel, driven as a page drives it:
a page's hello makes it, `%%speak` shows it, and the next one is made once that speech
has been generated; with no page, each cell makes its own."""

from __future__ import annotations

import os
import queue
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

WIDGET = "application/vnd.jupyter.widget-view+json"


class Kernel:
    """A kernel and a client that keeps every IOPub message it has read."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CARTESIA")}
        env["NO_PROXY"] = "127.0.0.1,localhost"
        self.manager, self.client = start_new_kernel(kernel_name="python3", env=env)
        self.seen: list[dict[str, Any]] = []

    def read(self, until: Any, seconds: float = 30, what: str = "") -> dict[str, Any]:
        """Read IOPub until a message satisfies `until`; returns it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                msg = self.client.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(msg)
            if until(msg):
                return msg
        raise AssertionError(f"no {what or 'such message'} within {seconds} s")

    def run(self, code: str) -> list[dict[str, Any]]:
        """Execute `code`; the IOPub messages of its execution, up to idle."""
        msg_id = self.client.execute(code)
        start = len(self.seen)
        self.read(
            lambda m: (
                m["parent_header"].get("msg_id") == msg_id
                and m["msg_type"] == "status"
                and m["content"]["execution_state"] == "idle"
            ),
            what=f"end of {code!r}",
        )
        ours = [m for m in self.seen[start:] if m["parent_header"].get("msg_id") == msg_id]
        errors = [m["content"] for m in ours if m["msg_type"] == "error"]
        assert not errors, errors
        return ours

    def hello(self, engine_id: str) -> None:
        """What a page's engine sends when it connects."""
        content = {"comm_id": engine_id, "data": {"method": "custom", "content": {"type": "hello"}}}
        self.client.shell_channel.send(self.client.session.msg("comm_msg", content))


def player_opened(msg: dict[str, Any]) -> bool:
    return msg["msg_type"] == "comm_open" and "label" in msg["content"]["data"]["state"]


def shown(messages: list[dict[str, Any]]) -> list[str]:
    """Model ids of the widgets displayed by `messages`."""
    return [
        m["content"]["data"][WIDGET]["model_id"]
        for m in messages
        if m["msg_type"] == "display_data" and WIDGET in m["content"]["data"]
    ]


@pytest.fixture
def kernel() -> Iterator[Kernel]:
    k = Kernel()
    yield k
    k.client.stop_channels()
    k.manager.shutdown_kernel(now=True)


def test_a_page_hello_has_the_next_player_made_ahead_and_speak_shows_it(kernel):
    loaded = kernel.run("%load_ext cartesia_widget")
    (engine_id,) = shown(loaded)

    # No page yet (as under nbconvert): the cell makes and shows its own player.
    first = kernel.run("%%speak\nNo page listens yet.")
    (opened,) = [m["content"]["comm_id"] for m in first if player_opened(m)]
    assert shown(first) == [opened]

    kernel.hello(engine_id)
    spare = kernel.read(player_opened, what="a player made ahead")["content"]["comm_id"]
    assert spare != opened and spare not in shown(kernel.seen)

    second = kernel.run("%%speak\nA page listens now.")
    assert shown(second) == [spare]  # the player made ahead, and no model made for it:
    display = next(i for i, m in enumerate(second) if m["msg_type"] == "display_data")
    assert not [m for m in second[:display] if player_opened(m)]

    # Once that speech has been generated (here, maybe before the cell ends), the next.
    kernel.run("import cartesia_widget as cw; cw.last_utterance().wait(30, playback=False)")
    later = kernel.seen[kernel.seen.index(second[display]) :]
    if not [m for m in later if player_opened(m)]:
        kernel.read(player_opened, what="the next player made ahead")
        later = kernel.seen[kernel.seen.index(second[display]) :]
    (following,) = [m["content"]["comm_id"] for m in later if player_opened(m)]
    assert following not in (spare, opened)

    # A player for other settings (embed) is made in its cell; the one ahead stays.
    third = kernel.run("cw.speak('Embedded.', embed=True).wait(30, playback=False)")
    assert shown(third) and following not in shown(third)
    fourth = kernel.run("%%speak\nThe one made ahead.")
    assert shown(fourth) == [following]


def test_no_player_is_made_ahead_in_colab(shell, comms, monkeypatch):
    from cartesia_widget import spare_player

    monkeypatch.setattr(spare_player, "_spare", None)
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    spare_player.prepare()
    assert spare_player._spare is None
    monkeypatch.delitem(sys.modules, "google.colab")
    spare_player.prepare()
    assert spare_player._spare is not None and spare_player._spare.comm is not None
    spare_player._spare.close()
