"""`python -m hygiene ...`: the same as the `hygiene` command."""

from hygiene.cli import main

raise SystemExit(main())
