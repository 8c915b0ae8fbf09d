"""Opening a named input: only a regular file is accepted.

A directory, a named pipe, a device or a socket given by mistake would
otherwise hang (a pipe nobody writes to blocks ``open`` itself), never end
(``/dev/zero``) or fail with an obscure message. The type is checked before
opening, so no device is ever opened, and again on the open descriptor, so a
file swapped in between is caught too. Streams are read only through ``-``
(standard input), where the user asked for one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO


class NotAFile(Exception):
    """The path names something other than a regular file; the message says what."""


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, words in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
                        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                        (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return "not a regular file"


def open_regular(path: str | Path) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file.

    Raises NotAFile for anything else and OSError when it cannot be opened.
    """
    kind = _kind(os.stat(path).st_mode)
    if kind is not None:
        raise NotAFile(kind)
    # O_NONBLOCK: should a pipe be swapped in after the check, open returns at once instead of
    # waiting for a writer; fstat then refuses it.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotAFile(kind)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
