"""The `make run` broker: a message file appears in the queue folder only when complete."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from kombu import Connection
from kombu.transport import filesystem

import config.broker


def _options(folder: Path) -> dict[str, object]:
    return {"data_folder_in": str(folder), "data_folder_out": str(folder), "store_processed": False}


@pytest.mark.parametrize("transport", [config.broker.Transport])
def test_a_message_file_is_never_visible_half_written(tmp_path, monkeypatch, transport):
    seen_while_writing: list[list[str]] = []
    real_dumps = config.broker.dumps

    def spying_dumps(payload):  # runs while the message is being written
        seen_while_writing.append(sorted(n for n in os.listdir(tmp_path) if n.endswith(".msg")))
        return real_dumps(payload)

    monkeypatch.setattr(config.broker, "dumps", spying_dumps)
    monkeypatch.setattr(filesystem, "dumps", spying_dumps)  # kombu's own _put, if it were used
    with Connection("filesystem://", transport=transport, transport_options=_options(tmp_path)) as conn:
        queue = conn.SimpleQueue("q1")
        queue.put({"hello": "world"})
        assert seen_while_writing and seen_while_writing[0] == []  # nothing for a reader to grab yet
        names = os.listdir(tmp_path)
        assert len(names) == 1 and names[0].endswith(".q1.msg")  # no temporary file left behind
        message = queue.get(timeout=2)
        assert message.payload == {"hello": "world"}
        message.ack()
        queue.close()


def test_celery_uses_the_atomic_transport_for_the_file_system_broker(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "PMC_ENV": "development", "CELERY_BROKER_URL": "filesystem://",
           "CELERY_BROKER_FOLDER": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    code = "from config.celery import app; c = app.connection_for_write(); print(type(c.transport).__module__)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "config.broker"
