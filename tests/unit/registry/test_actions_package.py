"""registry.actions is a package of one module per entity; callers use ``actions.<function>``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from painreg.registry import actions


def _public_functions_of_the_entity_modules() -> dict[str, str]:
    found = {}
    for info in pkgutil.iter_modules(actions.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{actions.__name__}.{info.name}")
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module.__name__:
                if not name.startswith("_"):
                    found[name] = info.name
    return found


def test_every_public_action_of_an_entity_module_is_reachable_as_actions_dot_name() -> None:
    functions = _public_functions_of_the_entity_modules()
    assert {"create_registration", "save_answers", "delete_patient"} <= set(functions)
    missing = sorted(name for name in functions if getattr(actions, name, None) is None)
    assert missing == [], f"add these to registry/actions/__init__.py: {missing}"
    assert sorted(actions.__all__) == sorted(functions)


def test_every_write_action_runs_inside_the_atomic_wrapper() -> None:
    """``@action`` (transaction.atomic with writes allowed) leaves ``__wrapped__`` behind."""
    helpers = {"recompute_scores"}  # called by actions, inside their transaction
    functions = _public_functions_of_the_entity_modules()
    unwrapped = sorted(
        name
        for name in functions
        if name not in helpers and not hasattr(getattr(actions, name), "__wrapped__")
    )
    assert unwrapped == []


def test_every_write_action_takes_keyword_only_arguments() -> None:
    functions = _public_functions_of_the_entity_modules()
    positional = sorted(
        name
        for name in functions
        if name != "recompute_scores"
        and any(
            p.kind not in {inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD}
            for p in inspect.signature(getattr(actions, name)).parameters.values()
        )
    )
    assert positional == []
