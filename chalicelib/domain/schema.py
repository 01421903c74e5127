"""The bases of every input and response schema.

Both defer building their validators to first use (``defer_build``): a Lambda
container builds the schemas of the routes it serves, not all of them at import,
which is most of what pydantic adds to a cold start.
"""

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Unknown fields are refused, not ignored: a client cannot smuggle in server-owned fields."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class View(BaseModel):
    """What the API answers."""

    model_config = ConfigDict(defer_build=True)
