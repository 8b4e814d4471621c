"""``python -m components.archive``: see ``components.archive.command``."""

from components.archive.command import main

raise SystemExit(main())
