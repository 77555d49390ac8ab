"""`python -m rnncli` runs the same entry point as the `rnncli` console script."""

from rnncli.cli.app import main

if __name__ == "__main__":
    main()
