"""``dms-scheduler``: the background service (APScheduler clock + request-queue workers).

Arrives with the Jobs and scheduler module; until then it says so and exits non-zero, so a
systemd unit or autostart entry pointing at it fails visibly rather than silently idling.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    print("dms-scheduler: the scheduler service is not built yet (it arrives with the Jobs "
          "module); run loads from the GUI or with 'dms' meanwhile.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
