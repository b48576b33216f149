"""Entry point of the packaged application: the clinic-scheduler command (the same as `python -m app`)."""

import multiprocessing

from app.cli import main

if __name__ == "__main__":
    # The stress benchmark starts worker processes through this executable; they must not run the command.
    multiprocessing.freeze_support()
    raise SystemExit(main())
