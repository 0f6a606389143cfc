"""`painreg synth ...`: deterministic synthetic data (seeded).

Two generators, each in its own module: ``registry`` (interchange tables of a
national register, :mod:`painreg.synth.registry`) and ``contacts`` (an EHR
contact extract, :mod:`painreg.synth.contacts`). Each module provides
``add_arguments(parser)`` and ``run(args)``.
"""

from __future__ import annotations

import argparse
import importlib

GENERATORS: dict[str, tuple[str, str]] = {
    "registry": ("painreg.synth.registry", "a synthetic national register as interchange tables"),
    "contacts": ("painreg.synth.contacts", "a synthetic EHR contact extract"),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("synth", help="generate deterministic synthetic data")
    sub = parser.add_subparsers(dest="generator", metavar="GENERATOR", required=True)
    for name, (module_name, help_text) in GENERATORS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # not built yet
            raise
        gen = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(gen)
        gen.set_defaults(handler=module.run)
