"""Runs Rasa's command line with numpy's global random generator seeded.

`rasa test nlu --cross-validation` splits the data with an unseeded StratifiedKFold, which
draws from numpy's global generator: seeded, every run uses the same folds, so two
evaluations differ by the pipeline or the data, not by the split.

Usage:
    python -m evaluation.seeded_rasa <seed> <rasa arguments...>
"""

import sys

import numpy


def seed_folds(seed: int) -> None:
    numpy.random.seed(seed)


def main() -> None:
    seed, arguments = int(sys.argv[1]), sys.argv[2:]
    from rasa.__main__ import main as rasa_main  # imported before seeding: imports must not shift the folds

    seed_folds(seed)
    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
