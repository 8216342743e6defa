"""Wait until the app answers its first page, then say how long that took.

``make run`` starts this beside the server: ``first_page.py URL STARTED`` polls URL
until it answers 200 and prints the seconds since STARTED (a Unix time: when make
began, so a fresh clone's install, migration and demo data count too). Standard
library only, so it runs in the environment ``make run`` installs.
"""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 300


def main(url: str, started: float) -> int:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # nosec B310 (our URL)
                if response.status == 200:
                    elapsed = time.time() - started
                    print(f"\n  Ideaboard is ready at {url.rsplit('/', 1)[0]}/ "
                          f"(first page {elapsed:.0f} s after `make run` started)\n",
                          flush=True)
                    return 0
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    print(f"Ideaboard did not answer {url} within {TIMEOUT_SECONDS} s.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
