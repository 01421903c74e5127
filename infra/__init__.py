"""AWS resources of Liaison: the template, the state machines, the local stack.

Not deployed to Lambda (only ``app.py`` and ``chalicelib/`` are).
"""
