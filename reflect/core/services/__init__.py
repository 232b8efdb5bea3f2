"""The services of an open practice, one per concern (see ``reflect.core.practice``): ``roster``,
``notes``, ``insight``, ``commitments`` and ``upkeep``, sharing one ``Context``."""
