"""``python -m sciml``: the ``sciml`` command (what ``torchrun -m sciml`` runs in each rank)."""

from sciml.cli import main

if __name__ == "__main__":
    main()
