"""Allow ``python -m desktop_slm``."""

from desktop_slm.cli import main

raise SystemExit(main())
