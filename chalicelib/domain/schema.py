"""The base of every input schema."""

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Unknown fields are refused, not ignored: a client cannot smuggle in server-owned fields."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
