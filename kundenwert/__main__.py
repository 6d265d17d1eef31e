import sys

from kundenwert.cli import main

sys.exit(main())
