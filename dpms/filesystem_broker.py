"""The embedded broker (no Redis): kombu's filesystem transport, with each message written whole before a
worker can see it.

kombu's ``filesystem.Channel._put`` creates the message file under its final name and then writes it, while
``_get`` lists the folder and moves any ``*.<queue>.msg`` file away to read it (moving ignores the writer's
lock). A worker polling at the wrong moment moves an empty file, fails to decode it, and the message is lost
(seen in the test suite as ``JSONDecodeError: Expecting value``). Here a message is written under a name
``_get`` does not match (``.partial`` at the end) and renamed to its final name once complete: a rename
within one folder is atomic, so a worker sees the whole message or none of it.
"""

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

SCHEME = "dpms-filesystem"
TRANSPORT = f"{__name__}:Transport"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):  # type: ignore[override]  # kombu's own signature
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = f"{final}.partial"
        try:
            with open(partial, "wb", buffering=0) as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
