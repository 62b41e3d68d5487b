"""One training run per output folder at a time.

`RunLock(folder)` takes an exclusive operating-system lock on `folder/.lock` (`fcntl.flock` on
POSIX, `msvcrt.locking` on Windows) for as long as a run writes to the folder. A second run into
the same folder fails at once with a message naming the process that holds it. The lock belongs
to the process, not to the file: when a run dies (a crash, SIGKILL, a power cut on a local disk)
the operating system releases it, so a lock file left behind is stale and never blocks the next
run. The file holds the holder's pid, host and start time, for the message only.

Example:

```python
with keras_gan.runlock.RunLock("runs/dcgan"):
    ...  # write checkpoints, samples, history
```

`waiting_lock(path)` is the same operating-system lock for work that two processes must not do
at once but that a second process should wait for rather than refuse: preparing a dataset that
two first runs (or two test workers) ask for together.
"""

import contextlib
import datetime
import json
import os
import socket

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

#: Name of the lock file inside a run folder.
LOCK_FILE = ".lock"


class RunLockError(RuntimeError):
    """Another live process holds the run folder's lock."""


class RunLock:
    """An exclusive lock on a run folder, held while one run writes to it.

    Args:
        folder: str or path, the run folder. It is created if needed when the lock is taken.
    """

    def __init__(self, folder):
        self.folder = os.fspath(folder)
        self.path = os.path.join(self.folder, LOCK_FILE)
        self._fd = None

    @property
    def held(self):
        return self._fd is not None

    def acquire(self):
        """Takes the lock, or raises `RunLockError` naming the run that holds it."""
        if self._fd is not None:
            return self
        os.makedirs(self.folder, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            holder = _read(fd)
            os.close(fd)
            who = f"pid {holder.get('pid', '?')}"
            if holder.get("host") and holder.get("host") != socket.gethostname():
                who += f" on {holder['host']}"
            since = f", started {holder['started']}" if holder.get("started") else ""
            raise RunLockError(
                f"Another run ({who}{since}) is writing to '{self.folder}'. Wait for it to "
                "finish (or stop it), or choose another --output."
            ) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.datetime.now().isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(holder).encode())
        self._fd = fd
        return self

    def release(self):
        """Releases the lock (the file stays; a lock file without a live holder is harmless)."""
        if self._fd is None:
            return
        try:
            if fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            else:
                os.lseek(self._fd, 0, os.SEEK_SET)
                msvcrt.locking(self._fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


@contextlib.contextmanager
def waiting_lock(path):
    """Holds an exclusive lock on the file `path` for the block, waiting while another process
    holds it. The file is created if needed and stays (a lock without a holder is harmless).

    Args:
        path: str or path of the lock file; its folder is created if needed.
    """
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            while True:  # LK_LOCK itself gives up after 10 attempts, one per second
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue
        yield
    finally:
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
            else:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
        os.close(fd)


def _read(fd):
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return json.loads(os.read(fd, 4096).decode() or "{}")
    except (OSError, ValueError):
        return {}
