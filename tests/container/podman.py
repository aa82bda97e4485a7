"""Kassa's image under podman, through scripts/podman (the settings these machines need).

`ready_podman()` makes the machine ready (scripts/container-setup: packages, base image)
or skips with the reason, unless CI is set: there the container suite must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.support.databases import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
BASE_IMAGE = os.environ.get("KASSA_BASE_IMAGE", "localhost/kassa-base:bookworm")
BUILD_TIMEOUT_S = 900


class PodmanError(AssertionError):
    """A podman command failed; the message carries its output."""


def podman(
    *args: str, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(SCRIPTS / "podman"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if check and done.returncode != 0:
        raise PodmanError(
            f"podman {' '.join(args[:3])} … exited {done.returncode}\n"
            f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
        )
    return done


def ready_podman() -> None:
    """Podman can build and run here, on the local base image; else skip (fail on CI)."""
    if os.environ.get("CI") or shutil.which("podman"):
        setup = subprocess.run(
            [str(SCRIPTS / "container-setup")],
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
        if setup.returncode != 0:
            last = (setup.stderr.strip().splitlines() or ["no output"])[-1]
            skip_or_fail(f"podman is not ready (scripts/container-setup: {last})")
    else:
        skip_or_fail("podman is not installed: scripts/container-setup installs it (as root)")
    smoke = podman("run", "--rm", BASE_IMAGE, "true", check=False, timeout=60)
    if smoke.returncode != 0:
        last = (smoke.stderr.strip().splitlines() or ["no output"])[-1]
        skip_or_fail(f"podman cannot run containers here: {last}")


def build_image(tag: str) -> None:
    """Kassa's Dockerfile on the local Debian base (scripts/podman adds this machine's
    build settings)."""
    args = ["build", "--build-arg", f"PYTHON_IMAGE={BASE_IMAGE}", "--tag", tag, str(ROOT)]
    podman(*args, timeout=BUILD_TIMEOUT_S)


def env_args(env: dict[str, str]) -> list[str]:
    return [arg for name, value in env.items() for arg in ("--env", f"{name}={value}")]


def kassa(image: str, env: dict[str, str], *command: str, timeout: float = 120) -> str:
    """Run one `kassa …` command in a throwaway container; its stdout."""
    return podman("run", "--rm", *env_args(env), image, *command, timeout=timeout).stdout


def wait_until_healthy(container: str, timeout: float = 120) -> None:
    """Run the image's HEALTHCHECK (podman has no systemd timer here) until it passes."""
    deadline = time.monotonic() + timeout
    while True:
        if podman("healthcheck", "run", container, check=False, timeout=30).returncode == 0:
            return
        state = podman("inspect", "--format", "{{.State.Status}}", container).stdout.strip()
        if state != "running" or time.monotonic() > deadline:
            logs = podman("logs", container, check=False).stdout[-3000:]
            raise PodmanError(f"{container} never became healthy ({state}); logs:\n{logs}")
        time.sleep(1)


def image_size(image: str) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", image).stdout.strip())


def remove(*names: str) -> None:
    for name in names:
        podman("rm", "--force", "--ignore", name, check=False, timeout=60)


def remove_image(tag: str) -> None:
    podman("rmi", "--force", "--ignore", tag, check=False, timeout=60)
