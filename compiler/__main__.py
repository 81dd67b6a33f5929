"""`python -m compiler` runs the biaswatch CLI."""

from compiler.cli.main import main

if __name__ == "__main__":
    main()
