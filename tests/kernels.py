"""A python3 kernel for a test, started as the package starts its kernels (`kernel_config`)."""

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from jupyter_client.manager import KernelManager

from transformer_lib.tooling.notebook_runs import kernel_config


@contextlib.contextmanager
def started_kernel(socket_folder: Path | None = None) -> Iterator[tuple]:
    """(manager, client) of a running kernel whose sockets lie in `socket_folder` (default: a
    temporary folder of its own); the kernel is stopped, and a temporary folder removed, after."""
    with contextlib.ExitStack() as stack:
        folder = socket_folder or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kernel-")))
        manager = KernelManager(kernel_name="python3", config=kernel_config(folder))
        manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            yield manager, client
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
