"""The Textual terminal app: a front end over ``reflect.core.practice``; nothing in the core imports it."""
