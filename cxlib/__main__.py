"""``python -m cxlib``: the command line (see cxlib.cli.main)."""
from cxlib.cli.main import run

run()
