"""Entry point of the frozen app: the ``desktop-slm`` command, window and engine worker alike."""

import sys

from desktop_slm.cli import main

if __name__ == "__main__":
    sys.exit(main())
