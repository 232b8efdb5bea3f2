"""The services of an open practice, one per concern (see ``reflect.core.practice``): ``roster``,
``notes``, ``insight``, ``commitments``, ``goals`` and ``upkeep``, sharing one ``Context``."""
