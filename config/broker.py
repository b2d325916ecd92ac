"""kombu's file-system transport with atomic message files (the `make run` broker).

kombu writes a message straight into the queue folder while the consumer lists and reads
that same folder without taking the writer's lock, so a worker can read a half-written file
and die with "Unrecoverable error: JSONDecodeError" (kombu issue #1551). Here a message is
written to a hidden temporary file in the same folder and renamed into place: os.replace is
atomic within one file system, so a reader sees either no file or the whole message. The
temporary name (".tmp-...") never matches the "<queue>.msg" names the consumer looks for.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        # Same name scheme as kombu (time-ordered, then unique, then the queue).
        name = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        target = os.path.join(self.data_folder_out, name)
        try:
            fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=self.data_folder_out)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(str_to_bytes(dumps(payload)))
                os.replace(temporary, target)
            except BaseException:
                if os.path.exists(temporary):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            raise ChannelError(f"Cannot add file {target!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
    # Shares kombu's file-system state so bindings declared by either class are seen.
    global_state = filesystem.Transport.global_state
