"""``python -m wdnopt``: the ``wdnopt`` command."""

from wdnopt.solvers.cli.main import run

if __name__ == "__main__":
    run()
