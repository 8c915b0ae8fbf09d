"""Console entry point: ``ikescope`` and ``python -m ikescope``."""

from ikescope.cli import main

if __name__ == "__main__":
    main()
